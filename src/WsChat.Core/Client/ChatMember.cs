namespace WsChat.Core.Client;

/// <summary>A member of a room, as <c>joined</c> and <c>users</c> list them (PROTOCOL.md §4).</summary>
/// <param name="UserId">The user's id (the token's <c>sub</c>).</param>
/// <param name="Username">The user's display name.</param>
public sealed record ChatMember(string UserId, string Username);
