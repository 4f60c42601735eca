using WsChat.Core.Limits;
using WsChat.Core.Ports;
using WsChat.Core.Users;
using WsChat.Net.Buffers;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Sessions;

/// <summary>
/// The chat's state for one connection: identity, token expiry, limits, and what the shards need
/// to find it again (rooms joined, shards touched). One per connection, created when it opens.
/// </summary>
/// <remarks>
/// Written by the connection's read path (one message at a time), except the fields marked
/// otherwise. About 150 bytes plus the two token buckets: the per-connection budget is 1 KiB.
/// </remarks>
internal sealed partial class ChatSession
{
    private int _state;         // SessionState, changed with Interlocked
    private int _roomCount;     // changed by room shards, concurrently
    private long _shardMask;    // bit i: the session may be a member of a room of shard i

    public ChatSession(IChatConnection connection, ChatEngine engine)
    {
        Connection = connection;
        ChatServerOptions options = engine.Options;
        ConnectionBucket = new TokenBucket(options.ConnectionRatePerSecond, options.ConnectionRateBurst);
        Flood = new FloodGuard(options.FloodCloseAfter, options.FloodWindow);
        OpenedAtMs = engine.Time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>When the connection opened (ms since the epoch), for <c>/stats</c>' connection ages.</summary>
    public long OpenedAtMs { get; }

    /// <summary>PROTOCOL.md §5: every command of this connection (read path only).</summary>
    public TokenBucket ConnectionBucket;

    /// <summary>Counts rate-limit refusals: too many → the client keeps flooding → close 1008 (read path only).</summary>
    public FloodGuard Flood;

    /// <summary>The user id as UTF-8 (for the writer and the DM pair hash); set at authentication.</summary>
    public byte[] UserIdUtf8 { get; private set; } = [];

    /// <summary>The display name as UTF-8; set at authentication.</summary>
    public byte[] UsernameUtf8 { get; private set; } = [];

    public IChatConnection Connection { get; }

    public long Id => Connection.Id;

    public SessionState State => (SessionState)Volatile.Read(ref _state);

    public bool IsAuthenticated => State == SessionState.Authenticated;

    /// <summary>The user id (JWT <c>sub</c>); empty before authentication.</summary>
    public string UserId { get; private set; } = string.Empty;

    /// <summary>The display name (JWT <c>name</c>, or the user id); empty before authentication.</summary>
    public string Username { get; private set; } = string.Empty;

    /// <summary>The user's shared state on this node, once authenticated.</summary>
    public ChatUser? User { get; private set; }

    /// <summary>Rooms this connection is a member of (PROTOCOL.md §5: at most 128).</summary>
    public int RoomCount => Volatile.Read(ref _roomCount);

    /// <summary>Shards that may hold a membership of this connection (bit i for shard i; all bits past 64 shards).</summary>
    public ulong ShardMask => (ulong)Interlocked.Read(ref _shardMask);

    /// <summary>Marks the session authenticated as <paramref name="user"/>; false if it closed meanwhile.</summary>
    public bool Authenticate(ChatUser user, string username)
    {
        User = user;
        UserId = user.Id;
        UserIdUtf8 = System.Text.Encoding.UTF8.GetBytes(user.Id);
        Username = username;
        UsernameUtf8 = System.Text.Encoding.UTF8.GetBytes(username);
        return Interlocked.CompareExchange(ref _state, (int)SessionState.Authenticated, (int)SessionState.Unauthenticated)
            == (int)SessionState.Unauthenticated;
    }

    /// <summary>Marks the session closed; true the first time (the caller then cleans up).</summary>
    public bool MarkClosed() => Interlocked.Exchange(ref _state, (int)SessionState.Closed) != (int)SessionState.Closed;

    /// <summary>Takes one of the connection's room slots; false (and nothing taken) at <paramref name="max"/>.</summary>
    public bool TryTakeRoomSlot(int max)
    {
        if (Interlocked.Increment(ref _roomCount) <= max) return true;
        Interlocked.Decrement(ref _roomCount);
        return false;
    }

    public void ReturnRoomSlot() => Interlocked.Decrement(ref _roomCount);

    public void NoteShard(int shard)
    {
        long bit = shard < 64 ? 1L << shard : -1L;
        if ((Interlocked.Read(ref _shardMask) & bit) != bit) Interlocked.Or(ref _shardMask, bit);
    }

    /// <summary>Queues <paramref name="frame"/> (one reference taken); a refusal closes the connection as a slow consumer.</summary>
    /// <remarks>PROTOCOL.md §5: one stalled reader never holds back a room — it is closed, and the room goes on.</remarks>
    public void Send(SharedFrame frame)
    {
        if (!Connection.TrySend(frame) && State != SessionState.Closed)
        {
            Connection.Close(WebSocketCloseCode.PolicyViolation, CloseReasons.SlowConsumer);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"c{Id} {UserId}";
}
