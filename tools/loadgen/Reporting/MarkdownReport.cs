using System.Globalization;
using System.Text;
using System.Text.Json;

namespace WsChat.LoadGen.Reporting;

/// <summary>
/// <c>loadgen report FILE.json...</c>: one markdown table per scenario with a row per server, so that
/// scripts/bench.sh can put wschat and the baselines side by side in docs/benchmarks.md.
/// </summary>
internal static class MarkdownReport
{
    public static int Run(string[] files, TextWriter output)
    {
        var results = new List<RunResult>();
        foreach (string file in files)
        {
            try
            {
                RunResult? r = JsonSerializer.Deserialize(File.ReadAllText(file), LoadGenJson.Default.RunResult);
                if (r is not null) results.Add(r);
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                Console.Error.WriteLine($"loadgen report: skipping {file}: {ex.Message}");
            }
        }

        output.Write(Format(results));
        return results.Count > 0 ? 0 : 1;
    }

    public static string Format(IReadOnlyList<RunResult> results)
    {
        var sb = new StringBuilder();
        foreach (var group in results.GroupBy(r => r.Scenario))
        {
            RunResult first = group.First();
            sb.AppendLine(I($"#### {group.Key}: {first.Settings.Connections:N0} connections, {first.Settings.Rooms} rooms{Extra(first)}")).AppendLine();
            switch (group.Key)
            {
                case "idle":
                    Table(sb, ["server", "opened", "failed", "connect/s", "handshake p50 / p99 ms", "RSS before → connected MiB", "RSS / connection (anon)", "server CPU % (per 1,000 conns)"],
                        group.Select(r => new[]
                        {
                            Name(r), N(r.Connect.Opened), N(r.Connect.Failed), F(r.Connect.PerSecond, 0), I($"{r.Connect.Handshake.P50Ms} / {r.Connect.Handshake.P99Ms}"),
                            r.Server is { } s ? I($"{s.RssBaselineKb / 1024.0:F1} → {s.RssConnectedKb / 1024.0:F1}") : "-",
                            r.Server is { } s2 ? I($"{s2.RssGrowthBytesPerConnection:N0} B ({s2.RssAnonGrowthBytesPerConnection:N0} B)") : "-",
                            r.Server is { } s3 ? I($"{s3.CpuPercentMeasured:F2} ({s3.CpuPercentPer1000Connections:F3})") : "-",
                        }));
                    break;
                case "fanout":
                case "dm":
                    Table(sb, ["server", "best deliveries/s at p99 ≤ limit", "sent/s there", "p50 / p99 ms there", "server CPU µs / delivery there", "last step: deliveries/s, p99 ms", "loadgen CPU µs / delivery at the last step", "lost", "duplicated", "errors"],
                        group.Select(r => new[]
                        {
                            Name(r),
                            r.Best is { } b ? F(b.DeliveriesPerSecond, 0) : "none under the limit",
                            r.Best is { } b2 ? F(b2.SentPerSecond, 0) : "-",
                            r.Best is { } b3 ? I($"{b3.Latency.P50Ms} / {b3.Latency.P99Ms}") : "-",
                            r.Best?.ServerCpuMicrosPerDelivery is { } cpu ? F(cpu, 2) : "-",
                            r.Steps.Count > 0 ? I($"{r.Steps[^1].DeliveriesPerSecond:N0}, {r.Steps[^1].Latency.P99Ms}") : "-",
                            r.Steps.Count > 0 && r.Steps[^1].LoadgenCpuMicrosPerDelivery is { } lg ? F(lg, 2) : "-",
                            r.Delivery is { } d ? N(d.Lost) : "-",
                            r.Delivery is { } d2 ? N(d2.Duplicated) : "-",
                            I($"{r.Errors} ({r.RateLimited} rate_limited)"),
                        }));
                    break;
                case "churn":
                    Table(sb, ["server", "cycles", "cycles/s", "failed", "handshake p50 / p99 ms", "RSS before → after MiB", "RSS change", "base disconnects"],
                        group.Select(r => r.Churn is { } c
                            ? new[] { Name(r), N(c.Cycles), F(c.CyclesPerSecond, 1), N(c.Failed), I($"{c.Handshake.P50Ms} / {c.Handshake.P99Ms}"), I($"{c.RssBeforeKb / 1024.0:F1} → {c.RssAfterKb / 1024.0:F1}"), I($"{c.RssChangePercent:+0.00;-0.00}%"), N(r.Disconnects) }
                            : [Name(r), "-", "-", "-", "-", "-", "-", "-"]));
                    break;
                case "history":
                    Table(sb, ["server", "replies/s", "messages read", "p50 / p99 ms", "server CPU µs / reply", "errors"],
                        group.Select(r => new[]
                        {
                            Name(r), r.History is { } h ? F(h.ResponsesPerSecond, 0) : "-", r.History is { } h2 ? N(h2.MessagesRead) : "-",
                            I($"{r.Latency.P50Ms} / {r.Latency.P99Ms}"), r.Steps.Count > 0 && r.Steps[0].ServerCpuMicrosPerDelivery is { } cpu ? F(cpu, 2) : "-", N(r.Errors),
                        }));
                    break;
            }

            var failures = group.Where(r => r.Failures.Count > 0).ToList();
            foreach (RunResult r in failures)
            {
                sb.AppendLine(I($"* {Name(r)} failures: {string.Join(", ", r.Failures.OrderByDescending(f => f.Value).Select(f => $"{f.Key} ×{f.Value}"))}"));
            }

            if (failures.Count > 0) sb.AppendLine();
        }

        return sb.ToString();
    }

    private static string Extra(RunResult r) => r.Scenario switch
    {
        "fanout" or "dm" => I($", {r.Settings.Senders} senders, {(r.Settings.Ramp is null ? $"{r.Settings.Rate}/s" : $"ramp {r.Settings.Ramp}")} for ≤ {r.Settings.DurationSeconds} s, {r.Settings.MessageSize} B text"),
        "churn" => I($" idle base, {r.Settings.Rate} cycles/s for {r.Settings.DurationSeconds} s"),
        "idle" => I($", held {r.Settings.DurationSeconds} s"),
        _ => I($", {r.Settings.Rate}/s for {r.Settings.DurationSeconds} s"),
    };

    private static void Table(StringBuilder sb, string[] header, IEnumerable<string[]> rows)
    {
        sb.Append("| ").AppendJoin(" | ", header).AppendLine(" |");
        sb.Append('|').AppendJoin('|', header.Select(_ => "---")).AppendLine("|");
        foreach (string[] row in rows) sb.Append("| ").AppendJoin(" | ", row).AppendLine(" |");
        sb.AppendLine();
    }

    private static string Name(RunResult r) => r.Label ?? r.Url;

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double v, int digits) => v.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
