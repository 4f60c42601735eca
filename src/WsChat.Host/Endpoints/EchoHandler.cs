using WsChat.Net.Buffers;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;

namespace WsChat.Host.Endpoints;

/// <summary><c>/echo</c>: sends every text or binary message back unchanged, as one frame (PROTOCOL.md §1).
/// Stateless and thread-safe; allocates nothing per message (pooled frames).</summary>
internal sealed class EchoHandler : IWebSocketHandler
{
    public UpgradeDecision OnUpgrade(HttpRequest request) => UpgradeDecision.Accept();

    public void OnOpen(WebSocketConnection connection)
    {
    }

    public void OnMessage(WebSocketConnection connection, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        SharedFrame frame = SharedFrame.Rent(payload.Length);
        payload.CopyTo(frame.GetSpan(payload.Length));
        frame.Advance(payload.Length);
        frame.Seal(opcode);
        connection.TrySend(frame);   // false: closing, or a slow consumer the transport is closing with 1008
    }

    public void OnClose(WebSocketConnection connection, WebSocketCloseCode code)
    {
    }
}
