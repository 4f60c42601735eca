using System.Runtime.CompilerServices;
using WsChat.Core.Limits;
using WsChat.Core.Ports;
using WsChat.Core.Users;
using WsChat.Net.Buffers;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Sessions;

/// <summary>
/// The chat's state for one connection: identity, token expiry, limits, and what the shards need
/// to find it again (rooms joined, shards touched). One per connection, created when it opens.
/// </summary>
/// <remarks>
/// Written by the connection's read path (one message at a time), except the fields marked
/// otherwise. About 160 bytes with the token bucket and the flood guard inline; the user id and name live in the shared
/// <see cref="ChatUser"/> (SessionFootprintTests guards the chat's share of the per-connection budget).
/// </remarks>
internal sealed partial class ChatSession
{
    private readonly object _connection;    // the WebSocketConnection itself, or an IChatConnection (tests, other transports)
    private int _state;         // SessionState, changed with Interlocked
    private int _roomCount;     // changed by room shards, concurrently
    private long _shardMask;    // bit i: the session may be a member of a room of shard i
    private NameOverride? _name;        // only when this connection's token names the user otherwise than ChatUser.Name
    private ReadHold? _hold;    // several nodes, during a backplane round trip only

    /// <summary>A session over a port (tests, other transports).</summary>
    public ChatSession(IChatConnection connection, ChatEngine engine)
        : this((object)connection, engine)
    {
    }

    /// <summary>A session over the transport's own connection, without a port object in between (issue 5: the
    /// forwarder cost 24 bytes per connection).</summary>
    public ChatSession(WebSocketConnection connection, ChatEngine engine)
        : this((object)connection, engine)
    {
    }

    private ChatSession(object connection, ChatEngine engine)
    {
        _connection = connection;
        ChatServerOptions options = engine.Options;
        ConnectionBucket = new TokenBucket(options.ConnectionRatePerSecond, options.ConnectionRateBurst);
        Flood = new FloodGuard(options.FloodCloseAfter, options.FloodWindow);
        OpenedAtMs = engine.Time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>Several nodes: set while the connection waits for the backplane (its admission, or a rate-limit
    /// token); the read path holds messages there meanwhile. Null otherwise, and always on one node.</summary>
    public ReadHold? Hold
    {
        get => Volatile.Read(ref _hold);
        set => Volatile.Write(ref _hold, value);
    }

    /// <summary>Clears <see cref="Hold"/> if it is still <paramref name="hold"/> (a held message may have started the next wait).</summary>
    public void ClearHold(ReadHold hold) => Interlocked.CompareExchange(ref _hold, null, hold);

    /// <summary>When the connection opened (ms since the epoch), for <c>/stats</c>' connection ages.</summary>
    public long OpenedAtMs { get; }

    /// <summary>PROTOCOL.md §5: every command of this connection (read path only).</summary>
    public TokenBucket ConnectionBucket;

    /// <summary>Counts rate-limit refusals: too many → the client keeps flooding → close 1008 (read path only).</summary>
    public FloodGuard Flood;

    /// <summary>The user id as UTF-8 (for the writer and the DM pair hash), shared with the user's other
    /// connections; empty before authentication.</summary>
    public byte[] UserIdUtf8 => User?.IdUtf8 ?? [];

    /// <summary>The display name as UTF-8; empty before authentication.</summary>
    public byte[] UsernameUtf8 => _name?.Utf8 ?? User?.NameUtf8 ?? [];

    /// <summary>Unique among the server's live connections; sent to the client as <c>session</c>.</summary>
    public long Id => _connection is WebSocketConnection socket ? socket.Id : Unsafe.As<IChatConnection>(_connection).Id;

    public SessionState State => (SessionState)Volatile.Read(ref _state);

    public bool IsAuthenticated => State == SessionState.Authenticated;

    /// <summary>The user id (JWT <c>sub</c>); empty before authentication.</summary>
    public string UserId => User?.Id ?? string.Empty;

    /// <summary>The display name (JWT <c>name</c>, or the user id); empty before authentication.</summary>
    public string Username => _name?.Name ?? User?.Name ?? string.Empty;

    /// <summary>The user's shared state on this node, once authenticated.</summary>
    public ChatUser? User { get; private set; }

    /// <summary>Rooms this connection is a member of (PROTOCOL.md §5: at most 128).</summary>
    public int RoomCount => Volatile.Read(ref _roomCount);

    /// <summary>Shards that may hold a membership of this connection (bit i for shard i; all bits past 64 shards).</summary>
    public ulong ShardMask => (ulong)Interlocked.Read(ref _shardMask);

    /// <summary>Marks the session authenticated as <paramref name="user"/>; false if it closed meanwhile.</summary>
    /// <param name="user">The user, holding the id and the name shared by its connections.</param>
    /// <param name="username">This connection's display name; kept apart only when it differs from the user's.</param>
    public bool Authenticate(ChatUser user, string username)
    {
        if (!string.Equals(username, user.Name, StringComparison.Ordinal))
        {
            _name = new NameOverride(username, System.Text.Encoding.UTF8.GetBytes(username));
        }

        User = user;
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
        if (!TrySend(frame) && State != SessionState.Closed)
        {
            Close(WebSocketCloseCode.PolicyViolation, CloseReasons.SlowConsumer);
        }
    }

    /// <summary>Queues <paramref name="frame"/> (one reference taken, released on refusal); see <see cref="IChatConnection.TrySend"/>.</summary>
    public bool TrySend(SharedFrame frame) =>
        _connection is WebSocketConnection socket ? socket.TrySend(frame) : Unsafe.As<IChatConnection>(_connection).TrySend(frame);

    /// <summary>Starts the close handshake; see <see cref="IChatConnection.Close"/>. Idempotent, thread-safe.</summary>
    public void Close(WebSocketCloseCode code, string reason)
    {
        if (_connection is WebSocketConnection socket) socket.Close(code, reason);
        else Unsafe.As<IChatConnection>(_connection).Close(code, reason);
    }

    /// <inheritdoc />
    public override string ToString() => $"c{Id} {UserId}";

    /// <summary>A display name of this connection other than its user's (rare: one reference instead of two per session).</summary>
    private sealed record NameOverride(string Name, byte[] Utf8);
}
