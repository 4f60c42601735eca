namespace WsChat.Net.Transport;

/// <summary>Internal life cycle of a <see cref="WebSocketConnection"/>; transitions are CAS'd (the read loop
/// and the timer race for Handshaking → Upgrading / TimedOut).</summary>
internal enum ConnectionPhase
{
    Handshaking = 0,    // reading the request head
    Upgrading = 1,      // head complete, writing the response (the head timeout no longer applies)
    Open = 2,
    CloseSent = 3,      // our close frame is queued; waiting for the peer's
    CloseReceived = 4,  // the peer's close arrived; ours (the echo) is queued
    Lingering = 5,      // handshake over or failed: our side shut down, reading to EOF (bounded by the close timeout)
    Closed = 6,
}
