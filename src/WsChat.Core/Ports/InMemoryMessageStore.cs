namespace WsChat.Core.Ports;

/// <summary>
/// An <see cref="IMessageStore"/> in process memory: the same contract as the database stores (ids,
/// paging, since-reads, dedup), nothing survives the process. For tests, embedding and running
/// without a database (<c>WsChat:Storage:Provider=memory</c>).
/// </summary>
/// <remarks>Thread-safe (one lock; every call is short). Memory grows with every message kept: it
/// keeps everything, because history paging must reach back to the first message.</remarks>
public sealed class InMemoryMessageStore : IMessageStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ConversationKey, List<StoredMessage>> _conversations = [];
    // (conversation, sender, ref) → the newest stored message with it; pruned past the window.
    private readonly Dictionary<RefKey, StoredMessage> _refs = [];
    private readonly Queue<(long Timestamp, RefKey Key)> _refExpiry = new();
    private long _newestTimestamp;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task AppendBatchAsync(ReadOnlyMemory<StoredMessage> batch, Memory<AppendOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.Length != batch.Length) throw new ArgumentException("One outcome per message.", nameof(outcomes));
        cancellationToken.ThrowIfCancellationRequested();
        ReadOnlySpan<StoredMessage> messages = batch.Span;
        Span<AppendOutcome> results = outcomes.Span;
        lock (_lock)
        {
            // Decide everything before changing anything, so that a bad batch stores nothing.
            var pendingRefs = new Dictionary<RefKey, StoredMessage>();
            var lastIds = new Dictionary<ConversationKey, long>();
            for (int i = 0; i < messages.Length; i++)
            {
                ref readonly StoredMessage m = ref messages[i];
                if (m.Ref is not null)
                {
                    var key = new RefKey(m.Conversation, m.FromId, m.Ref);
                    if (TryFindDuplicate(key, m.Timestamp, pendingRefs, out long existingId))
                    {
                        results[i] = AppendOutcome.DuplicateOf(existingId);
                        continue;
                    }

                    pendingRefs[key] = m;
                }

                if (!lastIds.TryGetValue(m.Conversation, out long last)) last = LastIdLocked(m.Conversation);
                if (m.Id <= last) throw new InvalidOperationException($"Message id {m.Id} of {m.Conversation} is not above {last}.");
                lastIds[m.Conversation] = m.Id;
                results[i] = AppendOutcome.Stored;
            }

            for (int i = 0; i < messages.Length; i++)
            {
                if (results[i].Status != AppendStatus.Stored) continue;
                ref readonly StoredMessage m = ref messages[i];
                if (!_conversations.TryGetValue(m.Conversation, out List<StoredMessage>? list))
                {
                    _conversations[m.Conversation] = list = [];
                }

                list.Add(m);
                _newestTimestamp = Math.Max(_newestTimestamp, m.Timestamp);
                if (m.Ref is not null)
                {
                    var key = new RefKey(m.Conversation, m.FromId, m.Ref);
                    _refs[key] = m;
                    _refExpiry.Enqueue((m.Timestamp, key));
                }
            }

            PruneRefsLocked();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<long> GetLastIdAsync(ConversationKey conversation, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(LastIdLocked(conversation));
    }

    /// <inheritdoc />
    public Task<MessagePage> ReadHistoryAsync(ConversationKey conversation, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_lock)
        {
            if (!_conversations.TryGetValue(conversation, out List<StoredMessage>? list)) return Task.FromResult(MessagePage.Empty);
            int end = beforeId is long before ? LowerBound(list, before) : list.Count;   // first index with id >= before
            int start = Math.Max(0, end - limit);
            return Task.FromResult(new MessagePage(list.GetRange(start, end - start).ToArray(), start > 0));
        }
    }

    /// <inheritdoc />
    public Task<MessagePage> ReadSinceAsync(ConversationKey conversation, long sinceId, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        lock (_lock)
        {
            if (!_conversations.TryGetValue(conversation, out List<StoredMessage>? list)) return Task.FromResult(MessagePage.Empty);
            int first = sinceId == long.MaxValue ? list.Count : LowerBound(list, sinceId + 1);
            int count = list.Count - first;
            int start = count > max ? list.Count - max : first;
            return Task.FromResult(new MessagePage(list.GetRange(start, list.Count - start).ToArray(), count > max));
        }
    }

    /// <inheritdoc />
    public Task<StoredMessage?> FindByRefAsync(ConversationKey conversation, string fromId, string clientRef, long notBefore, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            StoredMessage? found = _refs.TryGetValue(new RefKey(conversation, fromId, clientRef), out StoredMessage m) && m.Timestamp >= notBefore ? m : null;
            return Task.FromResult(found);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private bool TryFindDuplicate(RefKey key, long timestamp, Dictionary<RefKey, StoredMessage> pending, out long existingId)
    {
        long notBefore = timestamp - IMessageStore.DedupWindowMilliseconds;
        if ((pending.TryGetValue(key, out StoredMessage m) || _refs.TryGetValue(key, out m)) && m.Timestamp >= notBefore)
        {
            existingId = m.Id;
            return true;
        }

        existingId = 0;
        return false;
    }

    private long LastIdLocked(ConversationKey conversation) =>
        _conversations.TryGetValue(conversation, out List<StoredMessage>? list) && list.Count > 0 ? list[^1].Id : 0;

    // Entries are only needed while a retry could still match them. Time is the messages' own (the
    // shards' clock), not this machine's; the queue is in append order, which is timestamp order up to
    // clock jitter, so pruning from the front with a second window of slack is enough.
    private void PruneRefsLocked()
    {
        long horizon = _newestTimestamp - 2 * IMessageStore.DedupWindowMilliseconds;
        while (_refExpiry.TryPeek(out (long Timestamp, RefKey Key) head) && head.Timestamp < horizon)
        {
            _refExpiry.Dequeue();
            if (_refs.TryGetValue(head.Key, out StoredMessage m) && m.Timestamp == head.Timestamp) _refs.Remove(head.Key);
        }
    }

    private static int LowerBound(List<StoredMessage> list, long id)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (list[mid].Id < id) lo = mid + 1;
            else hi = mid;
        }

        return lo;
    }

    private readonly record struct RefKey(ConversationKey Conversation, string FromId, string Ref);
}
