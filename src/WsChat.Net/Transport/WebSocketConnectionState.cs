namespace WsChat.Net.Transport;

/// <summary>The life of a <see cref="WebSocketConnection"/> (RFC 6455 §4, §7).</summary>
public enum WebSocketConnectionState : byte
{
    /// <summary>TCP accepted; reading the HTTP request head.</summary>
    Handshaking = 0,
    /// <summary>Upgraded: messages flow both ways.</summary>
    Open = 1,
    /// <summary>We sent a close frame and wait for the peer's.</summary>
    CloseSent = 2,
    /// <summary>The peer sent a close frame; ours is on its way.</summary>
    CloseReceived = 3,
    /// <summary>Closed: nothing is sent or received any more.</summary>
    Closed = 4,
}
