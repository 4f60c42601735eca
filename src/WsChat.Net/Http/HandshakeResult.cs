namespace WsChat.Net.Http;

/// <summary>The outcome of checking a WebSocket upgrade request (RFC 6455 §4.2.1, PROTOCOL.md §5).</summary>
internal enum HandshakeResult : byte
{
    /// <summary>A valid upgrade: answer 101.</summary>
    Accepted = 0,
    /// <summary>Not GET: 405 with <c>Allow: GET</c>.</summary>
    MethodNotAllowed,
    /// <summary>No <c>Upgrade: websocket</c> or no <c>Connection: upgrade</c>: 426 with <c>Upgrade: websocket</c>.</summary>
    UpgradeRequired,
    /// <summary><c>Sec-WebSocket-Version</c> absent or not 13: 426 with <c>Sec-WebSocket-Version: 13</c>.</summary>
    VersionRequired,
    /// <summary><c>Sec-WebSocket-Key</c> absent, repeated, or not base64 of 16 bytes: 400.</summary>
    BadKey,
    /// <summary>Origin neither absent, nor the same host, nor allowed: 403.</summary>
    ForbiddenOrigin,
}
