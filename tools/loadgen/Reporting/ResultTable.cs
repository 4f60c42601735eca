using System.Globalization;
using System.Text;

namespace WsChat.LoadGen.Reporting;

/// <summary>The end-of-run table: the figures of issue 5 for the scenario that ran.</summary>
internal static class ResultTable
{
    public static string Format(RunResult r)
    {
        var rows = new List<(string, string)>
        {
            ("scenario", $"{r.Scenario}{(r.Label is null ? "" : $" ({r.Label})")} {r.Url}"),
            ("settings", I($"{r.Settings.Connections} connections, {r.Settings.Rooms} rooms, {r.Settings.Senders} senders, rate {r.Settings.Rate}/s{(r.Settings.Ramp is null ? "" : $", ramp {r.Settings.Ramp}")}, {r.Settings.DurationSeconds} s, {r.Settings.MessageSize} B, {r.Settings.Workers} worker(s), client {r.Settings.Client}")),
            ("connected", I($"{r.Connect.Opened}/{r.Connect.Attempted} ({r.Connect.Failed} failed) in {r.Connect.Seconds} s = {r.Connect.PerSecond}/s")),
            ("handshake", Latency(r.Connect.Handshake)),
        };

        if (r.Server is { } s)
        {
            rows.Add(("server RSS", I($"{s.RssBaselineKb / 1024.0:F1} -> {s.RssConnectedKb / 1024.0:F1} MiB connected, {s.RssEndKb / 1024.0:F1} MiB at end")));
            rows.Add(("RSS / connection", I($"{s.RssGrowthBytesPerConnection:F0} B (anon {s.RssAnonGrowthBytesPerConnection:F0} B)")));
            rows.Add(("server CPU", I($"{s.CpuPercentMeasured:F2}% of a core while measured ({s.CpuPercentPer1000Connections:F3}% per 1,000 connections), {s.CpuSecondsMeasured:F2} s, {s.Threads} threads")));
        }

        foreach (StepResult step in r.Steps)
        {
            rows.Add((I($"step {step.TargetRate:F0}/s"), I($"sent {step.SentPerSecond:F0}/s, acked {step.AckedPerSecond:F0}/s, {(r.Scenario == "history" ? "replies" : "deliveries")} {step.DeliveriesPerSecond:F0}/s, {Latency(step.Latency)}{(step.ServerCpuPercent is null ? "" : $", server CPU {step.ServerCpuPercent}% = {step.ServerCpuMicrosPerDelivery} µs each")}{(step.LoadgenCpuMicrosPerDelivery is null ? "" : $", loadgen {step.LoadgenCpuMicrosPerDelivery} µs each")}")));
        }

        if (r.Best is { } best) rows.Add(("best under p99 limit", I($"{best.DeliveriesPerSecond:F0}/s at {best.TargetRate:F0}/s sent, p50 {best.Latency.P50Ms} ms, p99 {best.Latency.P99Ms} ms, {best.ServerCpuMicrosPerDelivery} µs server CPU each")));
        if (r.Latency.Count > 0) rows.Add(("latency (measured)", Latency(r.Latency)));
        if (r.Delivery is { } d) rows.Add(("delivery", I($"expected {d.Expected}, received {d.Received}, lost {d.Lost}, duplicated {d.Duplicated} (id gaps {d.Gaps})")));
        if (r.Churn is { } c)
        {
            rows.Add(("churn", I($"{c.Cycles} cycles ({c.CyclesPerSecond}/s), {c.Failed} failed")));
            rows.Add(("churn handshake", Latency(c.Handshake)));
            rows.Add(("churn RSS", I($"{c.RssBeforeKb / 1024.0:F1} -> {c.RssAfterKb / 1024.0:F1} MiB ({c.RssChangePercent:+0.00;-0.00}%)")));
        }

        if (r.History is { } h) rows.Add(("history", I($"{h.Responses} replies ({h.ResponsesPerSecond}/s), {h.MessagesRead} messages read")));
        rows.Add(("errors", I($"{r.Errors} error replies ({r.RateLimited} rate_limited), {r.Disconnects} unexpected disconnects")));
        foreach (var f in r.Failures.OrderByDescending(f => f.Value)) rows.Add(("  failure", I($"{f.Key}: {f.Value}")));

        int width = rows.Max(x => x.Item1.Length);
        var sb = new StringBuilder();
        foreach (var (key, value) in rows) sb.Append(key.PadRight(width)).Append("  ").AppendLine(value);
        return sb.ToString();
    }

    private static string Latency(Metrics.LatencySummary l) => l.Count == 0
        ? "-"
        : I($"p50 {l.P50Ms} ms, p90 {l.P90Ms}, p99 {l.P99Ms}, p99.9 {l.P999Ms}, max {l.MaxMs} ({l.Count} samples)");

    private static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
