using System.Collections.Concurrent;
using WsChat.Core.Ports;

namespace WsChat.Tests.Support;

/// <summary>
/// An <see cref="InMemoryMessageStore"/> whose appends a test can hold, fail or observe: for the batch
/// writer's tests (group commit, failures, drain), where the real database stores are not the subject.
/// </summary>
internal sealed class ControllableMessageStore : IMessageStore
{
    private readonly InMemoryMessageStore _inner = new();
    private volatile TaskCompletionSource? _gate;
    private volatile bool _failing;
    private volatile TaskCompletionSource? _readGate;
    private volatile bool _readsFailing;

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    public int AppendCalls => BatchSizes.Count;

    /// <summary>Completes when an append is waiting at a closed gate.</summary>
    public TaskCompletionSource Entered { get; private set; } = NewSignal();

    public bool Failing { get => _failing; set => _failing = value; }

    /// <summary>Makes the next appends wait until <see cref="Open"/>.</summary>
    public void Close()
    {
        Entered = NewSignal();
        _gate = NewSignal();
    }

    public void Open() => _gate?.TrySetResult();

    /// <summary>Reads fail (after reading) while true.</summary>
    public bool ReadsFailing { get => _readsFailing; set => _readsFailing = value; }

    /// <summary>Reads take their snapshot, then wait until <see cref="OpenReads"/>: what is committed meanwhile
    /// is not in their result (the race a shard must handle).</summary>
    public void CloseReads() => _readGate = NewSignal();

    public void OpenReads() => _readGate?.TrySetResult();

    private async Task<T> AfterReadAsync<T>(Task<T> read, CancellationToken cancellationToken)
    {
        T result = await read;
        if (_readGate is { } gate) await gate.Task.WaitAsync(cancellationToken);
        if (_readsFailing) throw new IOException("storage is down (test)");
        return result;
    }

    /// <summary>How many more InitializeAsync calls fail (as an unreachable database would).</summary>
    public int InitializeFailures { get; set; }

    /// <summary>InitializeAsync calls so far.</summary>
    public int InitializeCalls { get; private set; }

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        InitializeCalls++;
        if (InitializeFailures <= 0) return Task.CompletedTask;
        InitializeFailures--;
        return Task.FromException(new IOException("storage is not reachable (test)"));
    }

    public async Task AppendBatchAsync(ReadOnlyMemory<StoredMessage> batch, Memory<AppendOutcome> outcomes, CancellationToken cancellationToken)
    {
        BatchSizes.Enqueue(batch.Length);
        if (_gate is { } gate)
        {
            Entered.TrySetResult();
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (_failing) throw new IOException("storage is down (test)");
        await _inner.AppendBatchAsync(batch, outcomes, cancellationToken);
    }

    public Task<long> GetLastIdAsync(ConversationKey conversation, CancellationToken cancellationToken) =>
        AfterReadAsync(_inner.GetLastIdAsync(conversation, cancellationToken), cancellationToken);

    public Task<MessagePage> ReadHistoryAsync(ConversationKey conversation, long? beforeId, int limit, CancellationToken cancellationToken) =>
        AfterReadAsync(_inner.ReadHistoryAsync(conversation, beforeId, limit, cancellationToken), cancellationToken);

    public Task<MessagePage> ReadSinceAsync(ConversationKey conversation, long sinceId, int max, CancellationToken cancellationToken) =>
        AfterReadAsync(_inner.ReadSinceAsync(conversation, sinceId, max, cancellationToken), cancellationToken);

    public Task<StoredMessage?> FindByRefAsync(ConversationKey conversation, string fromId, string clientRef, long notBefore, CancellationToken cancellationToken) =>
        _inner.FindByRefAsync(conversation, fromId, clientRef, notBefore, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
