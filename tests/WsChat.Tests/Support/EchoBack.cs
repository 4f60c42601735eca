using WsChat.Net.Buffers;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;

namespace WsChat.Tests.Support;

/// <summary>What a test handler's echo does: the payload back to its sender as one pooled frame.</summary>
internal static class EchoBack
{
    public static void Send(WebSocketConnection connection, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        SharedFrame frame = SharedFrame.Rent(payload.Length);
        payload.CopyTo(frame.GetSpan(payload.Length));
        frame.Advance(payload.Length);
        frame.Seal(opcode);
        connection.TrySend(frame);
    }
}
