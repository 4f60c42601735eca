using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace WsChat.Host.Memory;

/// <summary>
/// Every <c>WsChat:Memory:ReclaimCheckInterval</c>, gives back what a burst of work left once it is over
/// (<see cref="ReclaimPolicy"/>): a compacting full collection when the GC holds much more committed memory than the
/// last full collection found live, then glibc's free malloc memory (<c>malloc_trim(0)</c>). Like the JVM's periodic
/// collection of an idle heap (G1PeriodicGCInterval, JEP 346) and Go's scavenger. A steady server never reclaims (it
/// allocates nothing); a connection storm or a churn peak is followed by one reclaim when it ends.
/// </summary>
internal sealed partial class MemoryReclaimer : BackgroundService
{
    private readonly ReclaimPolicy _policy;
    private readonly TimeSpan _interval;
    private readonly Func<ProcessActivity> _read;
    private readonly Func<bool> _trim;
    private readonly Action _collect;
    private readonly ILogger _logger;
    // Zero before the first check: what the process allocated while starting counts as a burst.
    private ProcessActivity _lastCheck, _lastTrim, _lastCollect;

    /// <param name="policy">When to reclaim, and how.</param>
    /// <param name="interval">Time between checks.</param>
    /// <param name="logger">Says each reclaim at Debug.</param>
    /// <param name="read">The activity counters (<see cref="ProcessActivity.Current"/> outside tests).</param>
    /// <param name="trim">The trim, returning whether memory was released (<see cref="Glibc.TrimFreeMemory"/> outside tests).</param>
    /// <param name="collect">The collection (a blocking, compacting gen2 outside tests).</param>
    public MemoryReclaimer(ReclaimPolicy policy, TimeSpan interval, ILogger logger, Func<ProcessActivity>? read = null, Func<bool>? trim = null, Action? collect = null)
    {
        _policy = policy;
        _interval = interval;
        _logger = logger;
        _read = read ?? ProcessActivity.Current;
        _trim = trim ?? Glibc.TrimFreeMemory;
        _collect = collect ?? Collect;
    }

    /// <summary>Trims this instance ran.</summary>
    public long Trims { get; private set; }

    /// <summary>Collections this instance induced.</summary>
    public long Collections { get; private set; }

    /// <summary>One check: reclaims when the policy says so. Returns what it did. Called by the timer only (not
    /// thread-safe against itself).</summary>
    public ReclaimAction Check()
    {
        ProcessActivity now = _read();
        long inInterval = now.AllocatedBytes - _lastCheck.AllocatedBytes;
        long sinceTrim = now.AllocatedBytes - _lastTrim.AllocatedBytes;
        long sinceCollect = now.AllocatedBytes - _lastCollect.AllocatedBytes;
        int gen2 = now.Gen2Collections - _lastTrim.Gen2Collections;
        _lastCheck = now;
        ReclaimAction action = _policy.Decide(inInterval, sinceTrim, sinceCollect, gen2, now.CommittedBytes, now.LiveBytes);
        if (action == ReclaimAction.None) return action;

        long started = Stopwatch.GetTimestamp();
        ProcessActivity after = now;
        if (action == ReclaimAction.CollectAndTrim)
        {
            _collect();
            Collections++;
            // The collection's own counts are not a new burst.
            after = _read();
            _lastCollect = after;
        }

        bool released = _trim();
        Trims++;
        _lastTrim = _lastCheck = after;
        LogReclaimed(_logger, action, sinceTrim >> 10, gen2, now.CommittedBytes >> 10, now.LiveBytes >> 10, after.CommittedBytes >> 10,
            released, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        return action;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) Check();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    // Aggressive (blocking, compacting, and the GC decommits every free region and resets its budgets): after a
    // compacting collection alone the workstation GC keeps emptied regions committed for the budgets the burst set
    // (a churn round's 24 MiB committed over 14 MiB live stayed so). The next burst commits them again.
    private static void Collect() => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Reclaimed ({Action}) after {AllocatedKb} KiB allocated and {Gen2} gen2 collections, GC committed {CommittedKb} KiB over {LiveKb} KiB live, now {AfterKb} KiB; malloc released {Released}; {Micros} µs")]
    private static partial void LogReclaimed(ILogger logger, ReclaimAction action, long allocatedKb, int gen2, long committedKb, long liveKb, long afterKb, bool released, long micros);
}
