using WsChat.Net.WebSockets;

namespace WsChat.Core.Client;

/// <summary>
/// Which endings of a connection the client retries (docs/client.md "Reconnect rule"). Retried: whatever a server
/// restart, a crash, a proxy or the network produce. Not retried: what the same request would only get again: a
/// refused token or policy (1008 with its reasons of PROTOCOL.md §2, §5), a protocol or size violation by this
/// client (1002, 1003, 1007, 1009, 1010), an application close code (3000-4999, used for auth failures by
/// gateways), and HTTP refusals of the upgrade other than "busy" ones.
/// </summary>
internal static class ReconnectPolicy
{
    /// <summary>True when a connection closed with <paramref name="code"/> is retried.</summary>
    public static bool ShouldReconnect(WebSocketCloseCode code) => (ushort)code switch
    {
        1001 => true,   // going away: the server drains for a restart (PROTOCOL.md §5), or the heartbeat gave up on us
        1005 => true,   // a close frame without a code: nothing says it is final
        1006 => true,   // TCP ended without a close frame: a crash (SIGKILL), a reset, a dead network
        1011 => true,   // the server failed (PROTOCOL.md §5: also the heartbeat close); another attempt may work
        1012 => true,   // service restart (IANA registry)
        1013 => true,   // try again later (IANA registry)
        1014 => true,   // bad gateway: a proxy lost the upstream
        _ => false,     // 1000 (the server ended the session), 1002/1003/1007/1008/1009/1010, 3000-4999
    };

    /// <summary>
    /// True when a connection closed with <paramref name="code"/> and <paramref name="reason"/> is retried: the codes of
    /// <see cref="ShouldReconnect(WebSocketCloseCode)"/>, and two of wschat's 1008 closes that a new connection does not
    /// repeat: "slow consumer" (this client fell behind once; it rejoins with <c>since</c> and gets what it missed) and,
    /// when <paramref name="canRefreshToken"/> (a token provider gives a new token per connection), "token expired".
    /// Every other 1008 (a refused token, too many connections, flooding) stays final.
    /// </summary>
    public static bool ShouldReconnect(WebSocketCloseCode code, string reason, bool canRefreshToken) =>
        ShouldReconnect(code)
        || (code == WebSocketCloseCode.PolicyViolation && reason == SlowConsumerReason)
        || (code == WebSocketCloseCode.PolicyViolation && reason == TokenExpiredReason && canRefreshToken);

    // The reasons of PROTOCOL.md §5 as wschat sends them (Sessions/CloseReasons.cs; a test keeps them in step).
    internal const string SlowConsumerReason = "slow consumer";
    internal const string TokenExpiredReason = "token expired";

    /// <summary>True when an upgrade refused with HTTP <paramref name="status"/> is retried: 0 (no HTTP answer: the
    /// server went away during the handshake), 408, 429 and 5xx (503 while it starts or drains, a proxy's 502).</summary>
    public static bool ShouldRetryHandshake(int status) => status is 0 or 408 or 429 or >= 500;
}
