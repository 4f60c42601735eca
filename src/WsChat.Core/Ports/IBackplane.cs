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
}

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
    /// <summary>A user's DMs; subscribed by nodes where the user has connections.</summary>
    User = 2,
}

/// <summary>A pub/sub channel: a room, or a user.</summary>
/// <param name="Kind">Room or user.</param>
/// <param name="Name">The room name or the user id.</param>
public readonly record struct BackplaneChannel(BackplaneChannelKind Kind, string Name);
