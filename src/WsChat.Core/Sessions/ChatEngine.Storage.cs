using WsChat.Core.Ports;
using WsChat.Core.Storage;

namespace WsChat.Core.Sessions;

internal sealed partial class ChatEngine
{
    private MessageBatcher? _batcher;

    /// <summary>The attached store (null: persistence off).</summary>
    public IMessageStore? Store { get; private set; }

    /// <summary>/readyz's "storage" condition (null: persistence off); the host passes it to its readiness handler.</summary>
    internal Diagnostics.IReadinessCheck? StorageReadiness { get; private set; }

    /// <summary>The group-commit writer shards submit messages to (null: persistence off).</summary>
    internal MessageBatcher? Batcher => _batcher;

    /// <summary>
    /// Turns persistence on (PROTOCOL.md §5 "Delivery guarantees"): from now on a message or DM is fanned out
    /// and acked only after its batch commits, ids continue from storage, and history and replays reach past
    /// the rings into storage. Call once, before the first connection, with an initialised store.
    /// </summary>
    public void AttachStorage(IMessageStore store, MessageBatcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (Store is not null) throw new InvalidOperationException("Storage is attached already.");
        var batcher = new MessageBatcher(store, options, Logger, metrics: Metrics.Storage);
        batcher.Start();
        _batcher = batcher;
        Store = store;
        StorageReadiness = new StorageReadinessCheck(batcher, store);
    }

    /// <summary>
    /// Shutdown step (PROTOCOL.md §5 "flush storage"): stops accepting messages for storage and commits every
    /// one already accepted; their acks and fan-out still go out through the shards. Idempotent.
    /// </summary>
    public Task DrainStorageAsync(CancellationToken cancellationToken) =>
        _batcher?.DrainAsync(cancellationToken) ?? Task.CompletedTask;

    // Dispose without a drain first (tests, a failed start): still commit what was accepted, within the drain timeout.
    private void DrainStorageOnDispose()
    {
        if (_batcher is null) return;
        using var deadline = new CancellationTokenSource(Options.DrainTimeout);
        _batcher.DrainAsync(deadline.Token).GetAwaiter().GetResult();
    }
}
