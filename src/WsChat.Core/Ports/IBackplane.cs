namespace WsChat.Core.Ports;

/// <summary>
/// Scale-out: what the shards need from whatever connects several wschat nodes (Redis in the Host,
/// <c>RedisBackplane</c>). A node without one runs exactly the single-node code (the shards check for null).
/// </summary>
/// <remarks>
/// <para>Three services: per-conversation ids handed out atomically for the whole cluster
/// (<see cref="NextIdAsync"/>), at-most-once publish/subscribe on room and user channels, and a
/// connection state (<see cref="IsConnected"/>, <see cref="IBackplaneReceiver.OnReconnected"/>) so that
/// the chat can refuse cross-node work while it is down and fill what it missed when it is back.</para>
/// <para>Thread-safety: every member may be called from any thread. Nothing here may block a shard: the
/// methods that talk to the server return tasks, <see cref="Publish"/> is fire-and-forget.</para>
/// </remarks>
public interface IBackplane : IAsyncDisposable
{
    /// <summary>This node's id, unique in the cluster (messages a node published come back to it: it skips them).</summary>
    string NodeId { get; }

    /// <summary>True while the backplane server is reachable.</summary>
    bool IsConnected { get; }

    /// <summary>Connects (or starts connecting: a node must start while Redis is down) and hands messages to
    /// <paramref name="receiver"/> from then on. Called once by the chat before the first connection.</summary>
    Task StartAsync(IBackplaneReceiver receiver, CancellationToken cancellationToken);

    /// <summary>Subscribes to <paramref name="channel"/>; the task completes when the subscription is active on
    /// the server (messages published after that are received). Dispose the result to unsubscribe. Throws
    /// when the backplane is unreachable.</summary>
    Task<IDisposable> SubscribeAsync(BackplaneChannel channel);

    /// <summary>Publishes <paramref name="message"/> to <paramref name="channel"/>; at most once, never throws
    /// (a failure is counted, and the receivers fill the gap from storage). The array is not copied: do not reuse it.</summary>
    void Publish(BackplaneChannel channel, byte[] message);

    /// <summary>
    /// Reserves the next <paramref name="count"/> ids of <paramref name="conversation"/> (one block, atomically, the
    /// same sequence on every node) and returns the last of them. When the backplane has no sequence for it yet
    /// (first message, or the server lost its data), it seeds it from <paramref name="storedLastId"/> (the highest id
    /// in the shared storage) so that ids keep increasing.
    /// </summary>
    /// <remarks>A block, so that a shard asks once per round trip whatever the rate, and hands the ids out in the
    /// order its messages arrived (one sender's messages keep their order).</remarks>
    /// <exception cref="Exception">The backplane is unreachable: the messages are refused (<c>server_busy</c>).</exception>
    Task<long> NextIdAsync(ConversationKey conversation, int count, Func<CancellationToken, Task<long>> storedLastId, CancellationToken cancellationToken);

    /// <summary>Records (or removes) that <paramref name="userId"/> has connections in <paramref name="room"/> on this
    /// node, for the user lists of the other nodes. Fire-and-forget; a node that stops refreshing its liveness has its
    /// records removed by the others, who then publish <c>presence</c> offline for its users.</summary>
    void SetRoomMember(string room, string userId, string username, bool present);

    /// <summary>The users other nodes have recorded in <paramref name="room"/> (their node ids included).</summary>
    Task<IReadOnlyList<BackplaneMember>> GetRoomMembersAsync(string room);

    /// <summary>
    /// Admits a connection of <paramref name="userId"/> against the cluster-wide connections-per-user limit
    /// (PROTOCOL.md §5), atomically: when the user's connections on the other live nodes plus
    /// <paramref name="localCount"/> (this node's, the new one included) exceed <paramref name="maxConnections"/>, it is
    /// refused and nothing is recorded; otherwise this node's count becomes <paramref name="localCount"/>.
    /// </summary>
    /// <remarks>Counts of a node that stopped refreshing its liveness no longer count (and are removed).</remarks>
    /// <exception cref="Exception">The backplane is unreachable (the chat then counts on this node only).</exception>
    Task<ConnectionAdmission> AdmitConnectionAsync(string userId, int localCount, int maxConnections);

    /// <summary>Records that <paramref name="userId"/> has <paramref name="localCount"/> connections on this node (0:
    /// none), and tells the other nodes where the user is connected. Fire-and-forget, never throws.</summary>
    void SetConnectionCount(string userId, int localCount);

    /// <summary>Records this node's connection count of every user afresh (after the backplane lost them: a Redis
    /// restart, or the other nodes took this node for dead), removing counts of users no longer here.
    /// Fire-and-forget, never throws.</summary>
    void RecordConnectionCounts(IReadOnlyCollection<KeyValuePair<string, int>> counts);

    /// <summary>The connection counts of <paramref name="userId"/> on the other live nodes, by node id.</summary>
    Task<IReadOnlyList<KeyValuePair<string, int>>> GetConnectionCountsAsync(string userId);

    /// <summary>
    /// Takes one token from <paramref name="userId"/>'s cluster-wide bucket (<paramref name="ratePerSecond"/>, at most
    /// <paramref name="burst"/>; PROTOCOL.md §5), atomically for every node. Returns 0 when a token was taken,
    /// otherwise the milliseconds until one is available (nothing taken).
    /// </summary>
    /// <exception cref="Exception">The backplane is unreachable.</exception>
    Task<int> TakeRateTokenAsync(string userId, double ratePerSecond, int burst);
}

/// <summary>The answer of <see cref="IBackplane.AdmitConnectionAsync"/>.</summary>
/// <param name="Admitted">False: the user has the maximum number of connections in the cluster already.</param>
/// <param name="Elsewhere">The user's connections on the other live nodes.</param>
public readonly record struct ConnectionAdmission(bool Admitted, int Elsewhere);

/// <summary>A user with connections in a room on another node.</summary>
/// <param name="Node">That node's <see cref="IBackplane.NodeId"/>.</param>
/// <param name="UserId">The user id.</param>
/// <param name="Username">The display name.</param>
public readonly record struct BackplaneMember(string Node, string UserId, string Username);

/// <summary>What a backplane delivers to the chat. Called on the backplane's threads; must not block.</summary>
public interface IBackplaneReceiver
{
    /// <summary>A message published on <paramref name="channel"/> (by any node, this one included), borrowed for the call.</summary>
    void OnMessage(BackplaneChannel channel, ReadOnlySpan<byte> message);

    /// <summary>The connection came back after a loss: messages published meanwhile were not received.</summary>
    void OnReconnected();
}

/// <summary>Which conversation traffic a channel carries.</summary>
public enum BackplaneChannelKind : byte
{
    /// <summary>A room's messages, typing and presence; subscribed by nodes with members in the room.</summary>
    Room = 1,
    /// <summary>A user's DMs and connection counts; subscribed by nodes where the user has connections.</summary>
    User = 2,
}

/// <summary>A pub/sub channel: a room, or a user.</summary>
/// <param name="Kind">Room or user.</param>
/// <param name="Name">The room name or the user id.</param>
public readonly record struct BackplaneChannel(BackplaneChannelKind Kind, string Name);
