namespace WsChat.Core.Client;

/// <summary>Another member started or stopped typing (PROTOCOL.md §4 <c>typing</c>).</summary>
/// <param name="Room">The room.</param>
/// <param name="User">The user's display name.</param>
/// <param name="UserId">The user's id.</param>
/// <param name="IsTyping">The status the user sent.</param>
public sealed record ChatTyping(string Room, string User, string UserId, bool IsTyping);
