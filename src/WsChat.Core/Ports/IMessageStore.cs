namespace WsChat.Core.Ports;

/// <summary>
/// Durable message storage: the seam between the chat shards and a database (PROTOCOL.md §5
/// "Delivery guarantees"). Implementations: <see cref="InMemoryMessageStore"/> (Core, not durable),
/// <c>SqliteMessageStore</c> and <c>PostgresMessageStore</c> (Host).
/// </summary>
/// <remarks>
/// <para>Shards never call <see cref="AppendBatchAsync"/> themselves: they submit messages to the
/// batch writer (<c>WsChat.Core.Storage.MessageBatcher</c>), which gathers submissions from every
/// shard into one batch per commit (group commit) and reports each message's outcome back through
/// <see cref="IAppendCompletionSink"/>. A message is fanned out and acked only after that.</para>
/// <para>Thread-safety: every member may be called concurrently from any thread; the batcher makes at
/// most one <see cref="AppendBatchAsync"/> call at a time, reads run alongside it.</para>
/// <para>Failures: any member throws (an exception of the driver, or <see cref="OperationCanceledException"/>
/// when <c>cancellationToken</c> fires) when storage is unavailable. The store must recover by itself
/// on a later call once storage is back (reconnect; no restart, no re-initialisation).</para>
/// </remarks>
public interface IMessageStore : IAsyncDisposable
{
    /// <summary>The idempotent-retry window: a message with the same (sender, conversation, ref) as one
    /// stored at most this long before it is a duplicate (PROTOCOL.md §5: 2 minutes).</summary>
    public const long DedupWindowMilliseconds = 120_000;

    /// <summary>Creates or migrates the schema (versioned). Call once before anything else; safe to call
    /// again. Throws when storage is unreachable, so a server with a bad configuration does not start.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes a batch of messages in one transaction: all commit, or the call throws and none is stored.
    /// </summary>
    /// <param name="batch">Messages in submission order; ids are assigned by the shards and increase within
    /// each conversation. A (conversation, id) that already exists is a bug and fails the batch.</param>
    /// <param name="outcomes">Same length as <paramref name="batch"/>; on return each entry is
    /// <see cref="AppendStatus.Stored"/> or <see cref="AppendStatus.Duplicate"/>. A message is a duplicate
    /// when a stored message, or an earlier one in this batch, has the same conversation, sender and
    /// non-null <see cref="StoredMessage.Ref"/> and a timestamp no more than
    /// <see cref="DedupWindowMilliseconds"/> before its own; that message's id is reported (the newest, should there be several).</param>
    /// <param name="cancellationToken">Abandons the write; the batch is then not committed.</param>
    Task AppendBatchAsync(ReadOnlyMemory<StoredMessage> batch, Memory<AppendOutcome> outcomes, CancellationToken cancellationToken);

    /// <summary>The highest stored id of the conversation, 0 when it has none. A shard calls this before it
    /// assigns the first id of a conversation, so ids continue across restarts.</summary>
    Task<long> GetLastIdAsync(ConversationKey conversation, CancellationToken cancellationToken);

    /// <summary>
    /// History paging (PROTOCOL.md §3 <c>history</c>): the newest <paramref name="limit"/> messages with
    /// id &lt; <paramref name="beforeId"/> (or the newest overall when null), returned oldest first;
    /// <see cref="MessagePage.HasMore"/> when older ones exist.
    /// </summary>
    /// <param name="conversation">The room or DM pair.</param>
    /// <param name="beforeId">Exclusive upper bound on ids; null for the newest messages.</param>
    /// <param name="limit">1 or more (the protocol caps it at 100).</param>
    /// <param name="cancellationToken">Abandons the read.</param>
    Task<MessagePage> ReadHistoryAsync(ConversationKey conversation, long? beforeId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Replay for <c>join</c> with <c>since</c> (PROTOCOL.md §3, §5): messages with id &gt;
    /// <paramref name="sinceId"/>, oldest first. When more than <paramref name="max"/> match, the newest
    /// <paramref name="max"/> are returned and <see cref="MessagePage.HasMore"/> is true (<c>recovered: false</c>).
    /// </summary>
    /// <param name="conversation">The room or DM pair.</param>
    /// <param name="sinceId">Exclusive lower bound on ids (the last id the client has).</param>
    /// <param name="max">1 or more (the protocol's replay bound is 1000).</param>
    /// <param name="cancellationToken">Abandons the read.</param>
    Task<MessagePage> ReadSinceAsync(ConversationKey conversation, long sinceId, int max, CancellationToken cancellationToken);

    /// <summary>
    /// The message stored with this (conversation, sender, ref) and a timestamp at or after
    /// <paramref name="notBefore"/> (ms since the epoch), the newest if several; null when none.
    /// <see cref="AppendBatchAsync"/> already deduplicates; this lets a shard answer a retry early.
    /// </summary>
    Task<StoredMessage?> FindByRefAsync(ConversationKey conversation, string fromId, string clientRef, long notBefore, CancellationToken cancellationToken);
}
