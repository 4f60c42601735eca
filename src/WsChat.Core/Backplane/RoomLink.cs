namespace WsChat.Core.Backplane;

/// <summary>
/// A conversation's order on this node (a room's, or a DM pair's): the sequencer that puts the messages of every node
/// back in id order, and the state of the storage reads that fill its gaps. Owned by the conversation's shard.
/// </summary>
internal abstract class ConversationLink(long delivered)
{
    public MessageSequencer Sequencer { get; } = new(delivered);

    /// <summary>A storage read after the last delivered id is on its way.</summary>
    public bool Filling { get; set; }

    /// <summary>Stopwatch timestamp before which no new fill starts (one read per <see cref="BackplaneOptions.GapFillDelay"/>).</summary>
    public long NextFillAt { get; set; }

    /// <summary>Set when the node reconnected to the backplane: read storage once even without a gap.</summary>
    public bool CatchUpRequested { get; set; }
}

/// <summary>
/// A room's side of the backplane on this node, while the node has members in it: the subscription to the room's
/// channel and the room's order. Owned by the room's shard.
/// </summary>
internal sealed class RoomLink(IDisposable subscription, long delivered) : ConversationLink(delivered)
{
    /// <summary>The room channel's subscription (disposed when the node's last member leaves).</summary>
    public IDisposable Subscription { get; } = subscription;

    /// <summary>Users with connections in the room on other nodes, by user id (for <c>joined.users</c>, <c>users</c>
    /// and for showing presence only when a user comes or goes cluster-wide).</summary>
    public Dictionary<string, RemoteUser> RemoteUsers { get; } = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="userId"/> on <paramref name="node"/>; true when the user was on no other node before.</summary>
    public bool AddRemote(string node, string userId, byte[] usernameUtf8)
    {
        if (!RemoteUsers.TryGetValue(userId, out RemoteUser? user))
        {
            user = new RemoteUser(System.Text.Encoding.UTF8.GetBytes(userId), usernameUtf8);
            RemoteUsers.Add(userId, user);
        }

        bool first = user.Nodes.Count == 0;
        user.Nodes.Add(node);
        return first;
    }

    /// <summary>Forgets <paramref name="userId"/> on <paramref name="node"/>; true when the user is now on no other node.</summary>
    public bool RemoveRemote(string node, string userId)
    {
        if (!RemoteUsers.TryGetValue(userId, out RemoteUser? user) || !user.Nodes.Remove(node)) return false;
        if (user.Nodes.Count > 0) return false;
        RemoteUsers.Remove(userId);
        return true;
    }
}

/// <summary>A user in a room on other nodes (the node ids they are on).</summary>
internal sealed class RemoteUser(byte[] userIdUtf8, byte[] usernameUtf8)
{
    public byte[] UserIdUtf8 { get; } = userIdUtf8;

    public byte[] UsernameUtf8 { get; } = usernameUtf8;

    public HashSet<string> Nodes { get; } = new(StringComparer.Ordinal);
}
