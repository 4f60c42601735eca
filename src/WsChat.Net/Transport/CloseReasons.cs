using WsChat.Net.WebSockets;

namespace WsChat.Net.Transport;

/// <summary>The reason text of the close frames the transport sends on its own (PROTOCOL.md §5: always a code and a reason).</summary>
internal static class CloseReasons
{
    public static string For(WebSocketCloseCode code) => code switch
    {
        WebSocketCloseCode.ProtocolError => "protocol error",
        WebSocketCloseCode.InvalidPayloadData => "invalid UTF-8",
        WebSocketCloseCode.MessageTooBig => "message too big",
        WebSocketCloseCode.UnsupportedData => "unsupported data",
        WebSocketCloseCode.PolicyViolation => "policy violation",
        WebSocketCloseCode.GoingAway => "going away",
        WebSocketCloseCode.InternalError => "internal error",
        _ => string.Empty,
    };
}
