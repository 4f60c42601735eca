namespace WsChat.Core.Client;

/// <summary>A page of <c>history</c> (PROTOCOL.md §3-§4), oldest first.</summary>
/// <typeparam name="T"><see cref="ChatMessage"/> for a room, <see cref="ChatDirectMessage"/> for a DM pair.</typeparam>
/// <param name="Messages">The messages, oldest first.</param>
/// <param name="HasMore">True when older messages exist: ask again with <c>before</c> = the first id of this page.</param>
public sealed record ChatHistoryPage<T>(IReadOnlyList<T> Messages, bool HasMore);
