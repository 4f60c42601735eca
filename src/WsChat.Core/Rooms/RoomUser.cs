namespace WsChat.Core.Rooms;

/// <summary>A user present in a room through one or more of their connections.</summary>
/// <remarks>Presence is per user, not per connection: <c>online</c> when their first connection joins,
/// <c>offline</c> when their last one leaves (docs/protocol.md, "Presence").</remarks>
internal sealed class RoomUser(string userId, string username)
{
    public string UserId { get; } = userId;

    /// <summary>The name of the connection that brought the user in (names come from each connection's token).</summary>
    public string Username { get; } = username;

    /// <summary>How many of the user's connections are members.</summary>
    public int Connections { get; set; }
}
