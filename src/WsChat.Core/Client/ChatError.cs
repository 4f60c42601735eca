namespace WsChat.Core.Client;

/// <summary>An <c>error</c> from the server (PROTOCOL.md §4). It never closes the connection by itself.</summary>
/// <param name="Code">The code, <see cref="ChatErrorCode.Unknown"/> for one this client does not know.</param>
/// <param name="CodeName">The wire name of the code, e.g. <c>rate_limited</c>.</param>
/// <param name="Message">The server's short English explanation.</param>
/// <param name="Ref">The <c>ref</c> of the request it answers, if any.</param>
/// <param name="RetryAfter">With <c>rate_limited</c>: how long until one more message is allowed.</param>
public sealed record ChatError(ChatErrorCode Code, string CodeName, string Message, string? Ref, TimeSpan? RetryAfter);
