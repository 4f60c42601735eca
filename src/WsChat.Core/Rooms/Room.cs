using System.Runtime.InteropServices;
using WsChat.Core.Sessions;

namespace WsChat.Core.Rooms;

/// <summary>
/// One chat room: its members, the users they belong to, the newest id and the last messages.
/// Created on the first <c>join</c>; owned by the shard <c>hash(name) % N</c>: not thread-safe.
/// </summary>
internal sealed class Room
{
    private readonly Dictionary<string, RoomUser> _users = new(StringComparer.Ordinal);

    public Room(string name, int historySize)
    {
        Name = name;
        NameUtf8 = System.Text.Encoding.UTF8.GetBytes(name);
        History = new MessageRing(historySize);
    }

    public string Name { get; }

    /// <summary>The name as UTF-8, for the writer (room names are ASCII, PROTOCOL.md §3).</summary>
    public byte[] NameUtf8 { get; }

    /// <summary>The newest message id given out in this room, 0 before the first.</summary>
    public long LastId { get; set; }

    /// <summary>The last messages (PROTOCOL.md §3 <c>history</c>, <c>join</c> with <c>since</c>).</summary>
    public MessageRing History { get; }

    public MemberSet Members { get; } = new();

    /// <summary>Its stored side when persistence is on (null otherwise).</summary>
    public Shards.ConversationStorage? Storage { get; set; }

    /// <summary>Its backplane side with several nodes, while subscribed (null on one node).</summary>
    public Backplane.RoomLink? Link { get; set; }

    /// <summary>The distinct users of the members, for <c>joined</c> and <c>users</c>.</summary>
    public Dictionary<string, RoomUser>.ValueCollection Users => _users.Values;

    /// <summary>True when a connection of the user <paramref name="userId"/> is a member.</summary>
    public bool HasUserId(string userId) => _users.ContainsKey(userId);

    /// <summary>True when a connection of the user <paramref name="userIdUtf8"/> is a member (O(users): backplane presence only).</summary>
    public bool HasUser(ReadOnlySpan<byte> userIdUtf8)
    {
        foreach (RoomUser user in _users.Values)
        {
            if (user.UserIdUtf8.AsSpan().SequenceEqual(userIdUtf8)) return true;
        }

        return false;
    }

    /// <summary>
    /// Adds a member. <paramref name="firstOfUser"/> is true when no other connection of the same
    /// user was a member (then the others are told <c>presence</c> online).
    /// </summary>
    /// <returns>False when <paramref name="session"/> is a member already.</returns>
    public bool Add(ChatSession session, out bool firstOfUser)
    {
        firstOfUser = false;
        if (!Members.Add(session)) return false;
        ref RoomUser user = ref CollectionsMarshal.GetValueRefOrAddDefault(_users, session.UserId, out bool present);
        if (!present)
        {
            user = new RoomUser(session.UserIdUtf8, session.UsernameUtf8);
            firstOfUser = true;
        }

        user.Connections++;
        return true;
    }

    /// <summary>
    /// Removes a member. <paramref name="lastOfUser"/> is true when it was the user's last connection
    /// here (then the others are told <c>presence</c> offline).
    /// </summary>
    /// <returns>False when <paramref name="session"/> was not a member.</returns>
    public bool Remove(ChatSession session, out bool lastOfUser)
    {
        lastOfUser = false;
        if (!Members.Remove(session)) return false;
        ref RoomUser user = ref CollectionsMarshal.GetValueRefOrNullRef(_users, session.UserId);
        if (--user.Connections == 0)
        {
            _users.Remove(session.UserId);
            lastOfUser = true;
        }

        return true;
    }
}
