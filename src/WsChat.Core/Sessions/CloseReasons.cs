namespace WsChat.Core.Sessions;

/// <summary>The reasons the chat gives in its close frames (PROTOCOL.md §2, §5), defined once.</summary>
internal static class CloseReasons
{
    public const string SlowConsumer = "slow consumer";
    public const string TooManyConnections = "too many connections";
    public const string TokenExpired = "token expired";
    public const string AuthTimeout = "authentication timeout";
    public const string AuthFailed = "authentication failed";
    public const string RateLimited = "rate limit exceeded";
    public const string BinaryMessage = "binary messages are not supported";
    public const string ShuttingDown = "server shutting down";
    public const string InternalError = "internal error";
}
