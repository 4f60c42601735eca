namespace WsChat.Core.Client;

/// <summary>A direct message (PROTOCOL.md §4 <c>dm</c>), to or from this user.</summary>
/// <param name="Id">The server's id: strictly increasing within the pair of users.</param>
/// <param name="From">The sender's display name.</param>
/// <param name="FromId">The sender's user id.</param>
/// <param name="To">The recipient's user id.</param>
/// <param name="Text">The text, exactly as sent.</param>
/// <param name="Timestamp">When the server accepted it (UTC, millisecond precision).</param>
public sealed record ChatDirectMessage(long Id, string From, string FromId, string To, string Text, DateTimeOffset Timestamp);
