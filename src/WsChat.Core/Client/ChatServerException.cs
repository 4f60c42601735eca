namespace WsChat.Core.Client;

/// <summary>The server refused a request with an <c>error</c> (PROTOCOL.md §4); see <see cref="Error"/>.</summary>
public sealed class ChatServerException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public ChatServerException(ChatError error)
        : base($"The server refused the request: {error?.CodeName} ({error?.Message}).") =>
        Error = error ?? throw new ArgumentNullException(nameof(error));

    /// <summary>The server's error: code, message, <c>ref</c>, <c>retry_after_ms</c>.</summary>
    public ChatError Error { get; }

    /// <summary>Shortcut for <see cref="ChatError.Code"/>.</summary>
    public ChatErrorCode Code => Error.Code;

    /// <summary>Shortcut for <see cref="ChatError.RetryAfter"/> (<c>rate_limited</c> only).</summary>
    public TimeSpan? RetryAfter => Error.RetryAfter;
}
