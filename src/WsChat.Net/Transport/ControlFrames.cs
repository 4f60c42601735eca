using WsChat.Net.Buffers;
using WsChat.Net.WebSockets;

namespace WsChat.Net.Transport;

/// <summary>Server control frames: one shared empty ping, and pongs/closes built into pooled frames.</summary>
internal static class ControlFrames
{
    /// <summary>An empty ping shared by every connection; it keeps one reference forever, so it never returns to
    /// the pool (heartbeats allocate nothing).</summary>
    public static readonly SharedFrame Ping = CreatePing();

    /// <summary>A pong echoing <paramref name="payload"/> (RFC 6455 §5.5.3; ≤ 125 bytes, checked by the reader).</summary>
    public static SharedFrame Pong(ReadOnlySpan<byte> payload)
    {
        SharedFrame frame = SharedFrame.Rent(payload.Length);
        payload.CopyTo(frame.GetSpan(payload.Length));
        frame.Advance(payload.Length);
        frame.Seal(WebSocketOpcode.Pong);
        return frame;
    }

    /// <summary>A close frame with <paramref name="code"/> and <paramref name="reason"/> (RFC 6455 §5.5.1).</summary>
    public static SharedFrame Close(WebSocketCloseCode code, ReadOnlySpan<char> reason)
    {
        SharedFrame frame = SharedFrame.Rent(125);
        frame.Advance(CloseCodes.WritePayload(frame.GetSpan(125), code, reason));
        frame.Seal(WebSocketOpcode.Close);
        return frame;
    }

    private static SharedFrame CreatePing()
    {
        SharedFrame frame = SharedFrame.Rent();
        frame.Seal(WebSocketOpcode.Ping);
        return frame;
    }
}
