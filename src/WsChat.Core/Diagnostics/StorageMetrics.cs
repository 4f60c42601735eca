using WsChat.Net.Diagnostics;

namespace WsChat.Core.Diagnostics;

/// <summary>
/// Storage's counters: batch size and commit latency of the group commit, failed commits.
/// Counted once per batch (not per message), from whichever thread commits, so the histograms use
/// <see cref="FixedHistogram.RecordShared"/>.
/// </summary>
internal sealed class StorageMetrics
{
    private readonly StripedCounters _cells = new(2, stripes: 1);
    private Func<long>? _pending;

    /// <summary>Messages per committed batch.</summary>
    public FixedHistogram BatchSize { get; } = new(HistogramBuckets.BatchSize);

    /// <summary>Commit latency in microseconds (the write and the commit, not the wait in the queue).</summary>
    public FixedHistogram CommitLatency { get; } = new(HistogramBuckets.LatencyMicroseconds);

    /// <summary>A batch of <paramref name="messages"/> committed in <paramref name="elapsed"/>.</summary>
    public void BatchCommitted(int messages, TimeSpan elapsed)
    {
        BatchSize.RecordShared(messages);
        CommitLatency.RecordShared(Math.Max(0, elapsed.Ticks / TimeSpan.TicksPerMicrosecond));
        _cells.Add(0, messages);
    }

    /// <summary>Registers how to read the number of messages submitted and not yet completed (called once).</summary>
    public void ObservePending(Func<long> pending) => _pending = pending;

    /// <summary>Messages waiting for their batch to commit (0 until storage registers).</summary>
    public long Pending => _pending?.Invoke() ?? 0;

    /// <summary>A batch failed to commit (its messages were refused with <c>server_busy</c>).</summary>
    public void BatchFailed() => _cells.Increment(1);

    /// <summary>Messages committed since start.</summary>
    public long MessagesStored => _cells.Sum(0);

    /// <summary>Failed commits since start.</summary>
    public long FailedBatches => _cells.Sum(1);
}
