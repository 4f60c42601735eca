namespace WsChat.Core.Client;

/// <summary>A user came online in a room or left it (PROTOCOL.md §4 <c>presence</c>).</summary>
/// <param name="Room">The room.</param>
/// <param name="User">The user's display name.</param>
/// <param name="UserId">The user's id.</param>
/// <param name="Online">True for <c>online</c>, false for <c>offline</c>.</param>
public sealed record ChatPresence(string Room, string User, string UserId, bool Online);
