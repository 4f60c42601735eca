namespace WsChat.Core.Ports;

/// <summary>
/// One room message or DM as it is stored and as it is sent (PROTOCOL.md §4 <c>message</c>/<c>dm</c>).
/// </summary>
/// <remarks>
/// A struct so that a shard can hand it to the batch writer and get it back in the completion
/// without allocating; the strings are the ones the shard already keeps in its ring.
/// </remarks>
/// <param name="Conversation">The room or DM pair; <see cref="Id"/> is unique and increasing within it.</param>
/// <param name="Id">Assigned by the shard that owns the conversation, before the append.</param>
/// <param name="FromId">The sender's user id (JWT <c>sub</c>).</param>
/// <param name="FromName">The sender's display name at the time of sending.</param>
/// <param name="Text">The text, byte-exact as the client sent it (PROTOCOL.md §5).</param>
/// <param name="Timestamp">Milliseconds since the Unix epoch, UTC, taken when the shard assigned the id.</param>
/// <param name="Ref">The sender's <c>ref</c> (at most 64 characters), or null; with it, a retry within
/// <see cref="IMessageStore.DedupWindowMilliseconds"/> is not stored twice.</param>
/// <param name="To">For a DM, the recipient's user id; null for a room message.</param>
public readonly record struct StoredMessage(
    ConversationKey Conversation,
    long Id,
    string FromId,
    string FromName,
    string Text,
    long Timestamp,
    string? Ref = null,
    string? To = null);
