using System.Diagnostics;
using HdrHistogram;
using WsChat.LoadGen.Metrics;
using WsChat.LoadGen.Options;
using WsChat.LoadGen.Reporting;
using WsChat.LoadGen.Workers;

namespace WsChat.LoadGen.Scenarios;

/// <summary>
/// Runs one scenario over one or more nodes: opens the connections, paces the load (a fixed rate or
/// a ramp), prints a progress line every second, samples the server, and builds the <see cref="RunResult"/>.
/// </summary>
internal sealed partial class Coordinator(LoadOptions options, IReadOnlyList<INodeClient> nodes, TextWriter progress)
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private readonly ServerSampler _sampler = new(options.ServerPid);
    private readonly Stopwatch _clock = new();
    private readonly List<TimelinePoint> _timeline = [];
    private readonly HistogramBase _measured = LatencyRecorder.NewHistogram();
    private CounterSnapshot _last;

    /// <summary>Every latency recorded while measuring (for the plot).</summary>
    public HistogramBase MeasuredLatency => _measured;

    private ServerSample? _lastSample;
    private int _openConnections;

    public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        DateTime startedUtc = DateTime.UtcNow;
        _clock.Start();
        ServerSample? baseline = _sampler.Sample();

        SetupReport[] setups = await Task.WhenAll(nodes.Select(n => n.SetupAsync(cancellationToken))).ConfigureAwait(false);
        var handshake = LatencyRecorder.NewHistogram();
        foreach (SetupReport s in setups) HistogramTransfer.AddPairs(handshake, s.Handshake);
        int opened = setups.Sum(s => s.Opened), attempted = setups.Sum(s => s.Attempted);
        double setupSeconds = setups.Max(s => s.Seconds);
        _openConnections = opened;
        var connect = new ConnectResult(attempted, opened, setups.Sum(s => s.Failed), Math.Round(setupSeconds, 2),
            Math.Round(opened / Math.Max(setupSeconds, 1e-3), 1), LatencySummary.From(handshake));
        Say($"connected {opened}/{attempted} in {setupSeconds:F1} s ({connect.PerSecond:F0}/s), handshake p50 {connect.Handshake.P50Ms} ms p99 {connect.Handshake.P99Ms} ms");

        // Let the server settle (GC, deferred frees) before the "connected" reading.
        await RunForAsync(TimeSpan.FromSeconds(2), 0, false, cancellationToken).ConfigureAwait(false);
        ServerSample? connected = _sampler.Sample();
        _last = await TotalAsync(cancellationToken).ConfigureAwait(false);

        var steps = new List<StepResult>();
        ChurnResult? churn = null;
        ServerSample? measuredFrom = _sampler.Sample(), measuredTo = measuredFrom;
        switch (options.Scenario)
        {
            case ScenarioKind.Idle:
                await RunForAsync(options.Duration, 0, false, cancellationToken).ConfigureAwait(false);
                measuredTo = _sampler.Sample();
                break;
            case ScenarioKind.Churn:
                churn = await RunChurnAsync(cancellationToken).ConfigureAwait(false);
                measuredTo = _lastSample;
                break;
            default:
                steps = await RunStepsAsync(cancellationToken).ConfigureAwait(false);
                measuredTo = _sampler.Sample();
                break;
        }

        FinishReport[] finishes = await Task.WhenAll(nodes.Select(n => n.FinishAsync(cancellationToken))).ConfigureAwait(false);
        ServerSample? end = _sampler.Sample();
        foreach (FinishReport f in finishes) HistogramTransfer.AddPairs(_measured, f.Latency);
        if (churn is not null)
        {
            var churnHandshake = LatencyRecorder.NewHistogram();
            foreach (FinishReport f in finishes) HistogramTransfer.AddPairs(churnHandshake, f.Handshake);
            churn = churn with { Handshake = LatencySummary.From(churnHandshake) };
        }

        CounterSnapshot total = finishes.Aggregate(default(CounterSnapshot), (a, f) => a + f.Counters);
        var failures = new Dictionary<string, int>();
        foreach (var pair in finishes.SelectMany(f => f.FailureReasons)) // a node's finish report repeats its setup failures
        {
            failures[pair.Key] = failures.GetValueOrDefault(pair.Key) + pair.Value;
        }

        return new RunResult
        {
            Scenario = options.Scenario.ToString().ToLowerInvariant(),
            Label = options.Label,
            Url = string.Join(",", (options.Urls.Count > 0 ? options.Urls : [options.Url]).Select(u => u.GetLeftPart(UriPartial.Path))),
            StartedUtc = startedUtc,
            Settings = new RunSettings(options.Connections, options.Rooms, options.EffectiveSenders, options.Rate,
                options.Ramp is { } r ? FormattableString.Invariant($"{r.Start}:{r.Step}:{r.StepSeconds}") : null,
                options.Duration.TotalSeconds, options.Warmup.TotalSeconds, options.MessageSize, options.Workers,
                options.SourceAddresses.Count, options.Client.ToString().ToLowerInvariant()),
            Connect = connect,
            Server = ServerResultFrom(baseline, connected, end, measuredFrom, measuredTo, opened),
            Steps = steps,
            Best = BestStep(steps),
            Latency = LatencySummary.From(_measured),
            Delivery = DeliveryFrom(finishes, total),
            Churn = churn,
            History = options.Scenario == ScenarioKind.History
                ? new HistoryResult(total.Responses, Math.Round(steps.Sum(s => s.DeliveriesPerSecond * s.Seconds) / Math.Max(1e-3, steps.Sum(s => s.Seconds)), 1), finishes.Sum(f => f.HistoryMessages))
                : null,
            Disconnects = total.Disconnects,
            Errors = total.Errors,
            RateLimited = total.RateLimited,
            Failures = failures,
            Timeline = _timeline,
        };
    }

    private async Task<List<StepResult>> RunStepsAsync(CancellationToken cancellationToken)
    {
        var steps = new List<StepResult>();
        double rate = options.Ramp?.Start ?? options.Rate;
        if (options.Warmup > TimeSpan.Zero)
        {
            Say($"warm-up {options.Warmup.TotalSeconds:F0} s at {rate:F0}/s");
            await RunForAsync(options.Warmup, rate, false, cancellationToken).ConfigureAwait(false);
        }

        var rampTime = Stopwatch.StartNew();
        while (true)
        {
            TimeSpan length = options.Ramp is { } ramp ? TimeSpan.FromSeconds(ramp.StepSeconds) : options.Duration;
            StepResult step = await RunStepAsync(rate, length, cancellationToken).ConfigureAwait(false);
            steps.Add(step);
            Say(FormattableString.Invariant($"step {rate:F0}/s: {step.DeliveriesPerSecond:F0} deliveries/s, p50 {step.Latency.P50Ms} ms, p99 {step.Latency.P99Ms} ms"));
            if (options.Ramp is not { } r) break;

            // Stop past the p99 limit, when the server stops keeping up, or at --duration.
            bool over = step.Latency.P99Ms > options.RampP99Limit.TotalMilliseconds;
            bool behind = step.AckedPerSecond < 0.8 * step.TargetRate;
            if (over || behind || rampTime.Elapsed + TimeSpan.FromSeconds(r.StepSeconds) > options.Duration)
            {
                Say(over ? "ramp stops: p99 over the limit" : behind ? "ramp stops: acks fell behind the rate" : "ramp stops: --duration reached");
                break;
            }

            rate += r.Step;
        }

        await SetRateAsync(0, false, cancellationToken).ConfigureAwait(false);
        return steps;
    }

    private async Task<StepResult> RunStepAsync(double rate, TimeSpan length, CancellationToken cancellationToken)
    {
        CounterSnapshot before = _last;
        ServerSample? from = _sampler.Sample();
        double? loadgenFrom = ProcCpu.Seconds(nodes.Select(n => n.ProcessId));
        var watch = Stopwatch.StartNew();
        HistogramBase latency = await RunForAsync(length, rate, true, cancellationToken).ConfigureAwait(false);
        double seconds = watch.Elapsed.TotalSeconds;
        ServerSample? to = _sampler.Sample();
        double? loadgenTo = ProcCpu.Seconds(nodes.Select(n => n.ProcessId));
        CounterSnapshot d = _last - before;
        _measured.Add(latency);

        long work = options.Scenario == ScenarioKind.History ? d.Responses : d.Delivered;
        double? cpuPercent = from is not null && to is not null ? Math.Round(100 * (to.CpuSeconds - from.CpuSeconds) / seconds, 1) : null;
        double? perDelivery = from is not null && to is not null && work > 0 ? Math.Round(1e6 * (to.CpuSeconds - from.CpuSeconds) / work, 2) : null;
        // The loadgen's own CPU per delivery says whether the rig, not the server, set the ceiling (both share the cores).
        double? loadgenPerDelivery = loadgenFrom is { } lf && loadgenTo is { } lt && work > 0 ? Math.Round(1e6 * (lt - lf) / work, 2) : null;
        return new StepResult(rate, Math.Round(seconds, 2), Math.Round(d.Sent / seconds, 1), Math.Round(d.Acked / seconds, 1),
            Math.Round(work / seconds, 1), LatencySummary.From(latency), cpuPercent, perDelivery, d.Errors, d.RateLimited, loadgenPerDelivery);
    }

    private async Task<ChurnResult> RunChurnAsync(CancellationToken cancellationToken)
    {
        ServerSample? before = _sampler.Sample();
        CounterSnapshot start = _last;
        var watch = Stopwatch.StartNew();
        await RunForAsync(options.Duration, options.Rate, true, cancellationToken).ConfigureAwait(false);
        await SetRateAsync(0, false, cancellationToken).ConfigureAwait(false);
        double seconds = watch.Elapsed.TotalSeconds;

        // Let the last cycles finish and the server give back what they used, then read RSS again.
        for (int i = 0; i < 15 && await InFlightCyclesAsync(cancellationToken).ConfigureAwait(false) > 0; i++)
        {
            await Task.Delay(Tick, cancellationToken).ConfigureAwait(false);
        }

        await RunForAsync(TimeSpan.FromSeconds(3), 0, false, cancellationToken).ConfigureAwait(false);
        ServerSample? after = _sampler.Sample();
        _lastSample = after;
        CounterSnapshot d = _last - start;
        double change = before is not null && after is not null && before.RssKb > 0 ? Math.Round(100.0 * (after.RssKb - before.RssKb) / before.RssKb, 2) : 0;
        return new ChurnResult(d.CyclesDone, d.CyclesFailed, Math.Round(d.CyclesDone / seconds, 1), LatencySummary.Empty,
            before?.RssKb ?? 0, after?.RssKb ?? 0, change);
    }

    private async Task<int> InFlightCyclesAsync(CancellationToken cancellationToken)
    {
        IntervalReport[] reports = await Task.WhenAll(nodes.Select(n => n.IntervalAsync(cancellationToken))).ConfigureAwait(false);
        foreach (IntervalReport r in reports) HistogramTransfer.AddPairs(_measured, r.Latency);
        return reports.Sum(r => r.InFlightCycles);
    }

    /// <summary>Holds <paramref name="rate"/> for <paramref name="length"/>, one progress line per second; returns the latencies recorded.</summary>
    private async Task<HistogramBase> RunForAsync(TimeSpan length, double rate, bool measuring, CancellationToken cancellationToken)
    {
        await SetRateAsync(rate, measuring, cancellationToken).ConfigureAwait(false);
        HistogramBase all = LatencyRecorder.NewHistogram();
        var watch = Stopwatch.StartNew();
        TimeSpan next = Tick;
        while (watch.Elapsed < length)
        {
            TimeSpan wait = (next < length ? next : length) - watch.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            next += Tick;
            IntervalReport[] reports = await Task.WhenAll(nodes.Select(n => n.IntervalAsync(cancellationToken))).ConfigureAwait(false);
            HistogramBase interval = LatencyRecorder.NewHistogram();
            foreach (IntervalReport r in reports) HistogramTransfer.AddPairs(interval, r.Latency);
            all.Add(interval);
            CounterSnapshot total = reports.Aggregate(default(CounterSnapshot), (a, r) => a + r.Counters);
            Report(total, interval);
        }

        return all;
    }

    private async Task<CounterSnapshot> TotalAsync(CancellationToken cancellationToken)
    {
        IntervalReport[] reports = await Task.WhenAll(nodes.Select(n => n.IntervalAsync(cancellationToken))).ConfigureAwait(false);
        foreach (IntervalReport r in reports) HistogramTransfer.AddPairs(_measured, r.Latency);
        return reports.Aggregate(default(CounterSnapshot), (a, r) => a + r.Counters);
    }

    private Task SetRateAsync(double rate, bool measuring, CancellationToken cancellationToken) =>
        Task.WhenAll(nodes.Select(n => n.SetRateAsync(rate, measuring, cancellationToken)));

    private void Report(CounterSnapshot total, HistogramBase interval)
    {
        double now = _clock.Elapsed.TotalSeconds;
        double seconds = Math.Max(1e-3, now - (_timeline.Count > 0 ? _timeline[^1].Seconds : now - 1));
        CounterSnapshot d = total - _last;
        _last = total;
        ServerSample? sample = _sampler.Sample();
        double? cpu = sample is not null && _lastSample is not null ? Math.Round(100 * (sample.CpuSeconds - _lastSample.CpuSeconds) / (sample.AtSeconds - _lastSample.AtSeconds), 1) : null;
        _lastSample = sample ?? _lastSample;
        LatencySummary l = LatencySummary.From(interval);
        long work = options.Scenario == ScenarioKind.History ? d.Responses : options.Scenario == ScenarioKind.Churn ? d.CyclesDone : d.Delivered;
        int open = _openConnections - (int)total.Disconnects;
        var point = new TimelinePoint(Math.Round(now, 2), Math.Round(d.Sent / seconds, 1), Math.Round(work / seconds, 1), l.P50Ms, l.P99Ms, sample?.RssKb, cpu, open);
        _timeline.Add(point);
        if (options.Quiet) return;
        string server = sample is null ? "" : FormattableString.Invariant($" | server rss {sample.RssKb / 1024.0:F1} MiB cpu {cpu ?? 0:F0}%");
        string what = options.Scenario switch
        {
            ScenarioKind.Churn => FormattableString.Invariant($"cycles {point.DeliveriesPerSecond:F0}/s failed {total.CyclesFailed}"),
            ScenarioKind.History => FormattableString.Invariant($"requests {point.SentPerSecond:F0}/s replies {point.DeliveriesPerSecond:F0}/s"),
            _ => FormattableString.Invariant($"sent {point.SentPerSecond:F0}/s delivered {point.DeliveriesPerSecond:F0}/s"),
        };
        progress.WriteLine(FormattableString.Invariant(
            $"[{now,6:F1}s] conns {open} | {what} | p50 {l.P50Ms} ms p99 {l.P99Ms} ms max {l.MaxMs} ms | errors {total.Errors} dup {total.Duplicated}{server}"));
    }

    private void Say(string line)
    {
        if (!options.Quiet) progress.WriteLine(FormattableString.Invariant($"[{_clock.Elapsed.TotalSeconds,6:F1}s] {line}"));
    }
}
