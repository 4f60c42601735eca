using System.Runtime.InteropServices;

namespace WsChat.Core.Rooms;

/// <summary>A user present in a room through one or more of their connections.</summary>
/// <remarks>Presence is per user, not per connection: <c>online</c> when their first connection joins,
/// <c>offline</c> when their last one leaves (docs/protocol.md, "Presence"). The UTF-8 arrays are the
/// session's own (shared, never copied). A struct stored inside the room's user table (24 bytes), not an object
/// per user and room (40 bytes more per idle member, issue 5); the room updates it in place.</remarks>
[StructLayout(LayoutKind.Auto)]
internal struct RoomUser(byte[] userIdUtf8, byte[] usernameUtf8)
{
    public readonly byte[] UserIdUtf8 { get; } = userIdUtf8;

    /// <summary>The name of the connection that brought the user in (names come from each connection's token).</summary>
    public readonly byte[] UsernameUtf8 { get; } = usernameUtf8;

    /// <summary>How many of the user's connections are members.</summary>
    public int Connections { get; set; }
}
