using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace WsChat.Host.Memory;

/// <summary>
/// Every <c>WsChat:Gc:CheckInterval</c>, collects and compacts gen2 when the garbage promoted into it since the last
/// full collection passes its <see cref="Gen2GarbageLimit"/>, so that memory a burst of connections used comes back
/// to the operating system instead of waiting for the GC's own, much later, gen2 trigger. Only promotion counts:
/// a steady server (messages allocate nothing, idle connections nothing) never pays for it; churn (connections that
/// live a few seconds, long enough to reach gen2, then close) does, with one blocking gen2 collection per few MB of
/// dead sessions (docs/operations.md "Memory: the gen2 cap").
/// </summary>
internal sealed partial class Gen2Compactor : BackgroundService
{
    private readonly Gen2GarbageLimit _limit;
    private readonly TimeSpan _interval;
    private readonly Func<Gen2Reading> _read;
    private readonly Action _collect;
    private readonly ILogger _logger;

    /// <param name="limit">The garbage tolerated in gen2.</param>
    /// <param name="interval">Time between checks.</param>
    /// <param name="logger">Says each induced collection at Debug.</param>
    /// <param name="read">The GC's figures (<see cref="Gen2Reading.Current"/> outside tests).</param>
    /// <param name="collect">The collection (a blocking, compacting gen2 outside tests).</param>
    public Gen2Compactor(Gen2GarbageLimit limit, TimeSpan interval, ILogger logger, Func<Gen2Reading>? read = null, Action? collect = null)
    {
        _limit = limit;
        _interval = interval;
        _logger = logger;
        _read = read ?? Gen2Reading.Current;
        _collect = collect ?? CollectGen2;
    }

    /// <summary>Collections this instance induced.</summary>
    public long Induced { get; private set; }

    /// <summary>One check: collects when the limit is passed. Returns whether it collected. Called by the timer only
    /// (not thread-safe against itself).</summary>
    public bool Check()
    {
        Gen2Reading before = _read();
        if (!_limit.IsExceeded(before.Gen2Bytes, before.LiveBytes)) return false;
        _collect();
        Induced++;
        Gen2Reading after = _read();
        LogCollected(_logger, before.Gen2Bytes >> 10, before.LiveBytes >> 10, after.Gen2Bytes >> 10);
        return true;
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

    // Compacting: a sweep alone would leave the dead sessions' space as free lists inside committed regions (RSS
    // unchanged); compaction empties whole regions, which the GC then decommits.
    private static void CollectGen2() => GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Gen2 had {Gen2Kb} KiB over {LiveKb} KiB live at the last full collection: collected, now {AfterKb} KiB")]
    private static partial void LogCollected(ILogger logger, long gen2Kb, long liveKb, long afterKb);
}
