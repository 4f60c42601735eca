using WsChat.Net.WebSockets;

namespace WsChat.Net.Client;

/// <summary>What <see cref="WebSocketClient.ReceiveAsync"/> returns: a whole message, or the close of the connection.</summary>
public readonly struct WebSocketMessage
{
    internal WebSocketMessage(WebSocketOpcode type, ReadOnlyMemory<byte> payload, WebSocketCloseCode closeCode = WebSocketCloseCode.None)
    {
        Type = type;
        Payload = payload;
        CloseCode = closeCode;
    }

    /// <summary><see cref="WebSocketOpcode.Text"/>, <see cref="WebSocketOpcode.Binary"/>, or <see cref="WebSocketOpcode.Close"/>
    /// when the connection ended (then see <see cref="CloseCode"/>).</summary>
    public WebSocketOpcode Type { get; }

    /// <summary>The payload, borrowed: valid until the next call on the client. For a close: the UTF-8 reason of the
    /// server's close frame (empty when it gave none, or when TCP ended without one); this one is not borrowed.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>For a close: the server's code; 1005 when it sent none; 1006 when TCP ended without a close frame.</summary>
    public WebSocketCloseCode CloseCode { get; }

    /// <summary>True for the close of the connection.</summary>
    public bool IsClose => Type == WebSocketOpcode.Close;
}
