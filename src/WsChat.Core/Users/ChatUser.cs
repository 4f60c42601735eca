using WsChat.Core.Limits;
using WsChat.Core.Sessions;

namespace WsChat.Core.Users;

/// <summary>
/// One user with at least one live connection on this node: their connections (for DMs) and their
/// rate-limit bucket, shared by all of them (PROTOCOL.md §5: the bucket is per user).
/// </summary>
/// <remarks>
/// Users have no shard of their own. Everything about a user is either written only when one of
/// their connections opens or closes (<see cref="Sessions"/>: copy-on-write under the directory's
/// lock, read without a lock by the DM pair's shard), or shared by their connections' read paths
/// (the bucket: a short lock, uncontended unless one user floods from several connections). A hop
/// through a user shard would cost a queue operation per DM and order nothing that the DM pair's
/// shard does not order already.
/// </remarks>
internal sealed class ChatUser
{
    private ChatSession[] _sessions = [];

    private readonly Lock _bucketLock = new();
    private TokenBucket _bucket;

    public ChatUser(string id, TokenBucket bucket)
    {
        Id = id;
        _bucket = bucket;
    }

    /// <summary>The user id (JWT <c>sub</c>).</summary>
    public string Id { get; }

    /// <summary>The user's live, authenticated connections on this node; a snapshot, never mutated in place.</summary>
    public ChatSession[] Sessions
    {
        get => Volatile.Read(ref _sessions);
        internal set => Volatile.Write(ref _sessions, value);
    }

    /// <summary>Takes one token of the user's <c>message</c>/<c>dm</c>/<c>typing</c> budget (PROTOCOL.md §5). Thread-safe.</summary>
    public bool TryTake(long nowTimestamp, out int retryAfterMs)
    {
        lock (_bucketLock) return _bucket.TryTake(nowTimestamp, out retryAfterMs);
    }
}
