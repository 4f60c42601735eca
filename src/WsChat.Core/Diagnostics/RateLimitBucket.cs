namespace WsChat.Core.Diagnostics;

/// <summary>Which token bucket refused a command (PROTOCOL.md §5).</summary>
internal enum RateLimitBucket
{
    /// <summary>The per-user bucket (message, dm, typing; default 20/s, burst 40).</summary>
    User,
    /// <summary>The per-connection bucket (every command; default 100/s, burst 200).</summary>
    Connection,
}
