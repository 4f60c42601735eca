namespace WsChat.Core.Storage;

/// <summary>
/// Tuning of the group-commit writer (<see cref="MessageBatcher"/>). Configuration keys in the host:
/// <c>WsChat:Storage:MaxBatchSize</c>, <c>MaxBatchDelayMs</c>, <c>MaxPending</c>, <c>CommitTimeoutMs</c>.
/// </summary>
public sealed class MessageBatcherOptions
{
    /// <summary>Most messages per commit. Default 1024: one SQLite commit of 1024 small rows costs about
    /// as much as one fsync, so bigger batches gain little and only lengthen the wait of the first message.</summary>
    public int MaxBatchSize { get; init; } = 1024;

    /// <summary>How long the writer waits for more messages before committing a batch that is not full.
    /// Default zero: batches form by themselves while the previous commit is in flight (the queue fills
    /// during an fsync), so waiting only adds latency at low load. A drain (shutdown) ends the wait at once.</summary>
    public TimeSpan MaxBatchDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Most messages accepted and not yet completed; past it <see cref="MessageBatcher.TrySubmit"/>
    /// refuses (the shard answers <c>server_busy</c>). Default 65,536: about one second of the design load
    /// (100,000 deliveries/s from far fewer messages), and a bounded amount of memory when storage stalls.</summary>
    public int MaxPending { get; init; } = 65_536;

    /// <summary>A commit that takes longer is abandoned and its messages fail. Default 5 s: past it a client
    /// is better told <c>server_busy</c> (and retries with its <c>ref</c>) than left waiting for an ack.</summary>
    public TimeSpan CommitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After a failed commit, batches fail at once (without touching storage) for this long,
    /// doubling per further failure up to <see cref="MaxRetryDelay"/>; then one batch tries again. Default
    /// 100 ms: a dead database is not hammered once per batch, and recovery is noticed quickly.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between attempts while storage stays unavailable. Default 2 s.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPending, 1, nameof(MaxPending));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchDelay, TimeSpan.Zero, nameof(MaxBatchDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CommitTimeout, TimeSpan.Zero, nameof(CommitTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryDelay, RetryDelay, nameof(MaxRetryDelay));
    }
}
