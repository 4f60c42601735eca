namespace WsChat.Core.Ports;

/// <summary>A slice of one conversation's messages, oldest first.</summary>
/// <param name="Messages">At most the requested number of messages, in increasing id order.</param>
/// <param name="HasMore">For history: older messages exist before the first one (PROTOCOL.md §4 <c>has_more</c>).
/// For a since-read: more than the requested number matched, only the newest were returned, so the
/// replay is incomplete (<c>recovered: false</c>).</param>
public sealed record MessagePage(IReadOnlyList<StoredMessage> Messages, bool HasMore)
{
    /// <summary>No messages, nothing more.</summary>
    public static MessagePage Empty { get; } = new(Array.Empty<StoredMessage>(), false);
}
