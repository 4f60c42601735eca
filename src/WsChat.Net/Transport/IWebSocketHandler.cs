using WsChat.Net.WebSockets;

namespace WsChat.Net.Transport;

/// <summary>
/// What a WebSocket endpoint does with its connections (<see cref="WebSocketServer.MapWebSocket"/>).
/// </summary>
/// <remarks>
/// Every method is called on the connection's own receive loop, one at a time per connection, and
/// different connections call concurrently: an implementation shared by connections must be thread-safe.
/// Calls are synchronous so that the payload can be borrowed from the receive buffer: do not block in
/// them; hand work to your own queue. An exception thrown from a handler method is logged and the
/// connection is closed with 1011; it never reaches the server or other connections.
/// </remarks>
public interface IWebSocketHandler
{
    /// <summary>Decides whether a valid upgrade request (method, version, key and Origin already checked)
    /// becomes a WebSocket connection. The request is valid only during the call.</summary>
    /// <returns><see cref="UpgradeDecision.Accept"/> (optionally with per-connection state, readable later from
    /// <see cref="WebSocketConnection.State"/>) or <see cref="UpgradeDecision.Refuse"/> with an HTTP status.</returns>
    UpgradeDecision OnUpgrade(HttpRequest request);

    /// <summary>The 101 response has been sent; the connection can send. Called once, before any
    /// <see cref="OnMessage"/>.</summary>
    void OnOpen(WebSocketConnection connection);

    /// <summary>A complete message (fragments reassembled, text validated as UTF-8).</summary>
    /// <param name="connection">The connection it came from.</param>
    /// <param name="opcode"><see cref="WebSocketOpcode.Text"/> or <see cref="WebSocketOpcode.Binary"/>.</param>
    /// <param name="payload">The unmasked payload, borrowed: valid only until the method returns. Copy what must outlive it.</param>
    void OnMessage(WebSocketConnection connection, WebSocketOpcode opcode, ReadOnlySpan<byte> payload);

    /// <summary>The connection is gone (close handshake done, failed, timed out or lost). Called once per
    /// connection that was opened, after the last <see cref="OnMessage"/>. <paramref name="code"/> is the
    /// code the peer sent, the code we closed with, or <see cref="WebSocketCloseCode.AbnormalClosure"/> (1006)
    /// when TCP was lost without a close frame.</summary>
    void OnClose(WebSocketConnection connection, WebSocketCloseCode code);
}
