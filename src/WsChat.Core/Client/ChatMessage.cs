namespace WsChat.Core.Client;

/// <summary>A room message (PROTOCOL.md §4 <c>message</c>), live, replayed after a reconnect, or from history.</summary>
/// <param name="Room">The room.</param>
/// <param name="Id">The server's id: strictly increasing within the room, never reused.</param>
/// <param name="From">The sender's display name.</param>
/// <param name="FromId">The sender's user id.</param>
/// <param name="Text">The text, exactly as sent.</param>
/// <param name="Timestamp">When the server accepted it (UTC, millisecond precision).</param>
public sealed record ChatMessage(string Room, long Id, string From, string FromId, string Text, DateTimeOffset Timestamp);
