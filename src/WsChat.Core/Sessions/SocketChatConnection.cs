using WsChat.Core.Ports;
using WsChat.Net.Buffers;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Sessions;

/// <summary>The <see cref="IChatConnection"/> of a real WebSocket connection: a thin forwarder (16 bytes + header).</summary>
internal sealed class SocketChatConnection(WebSocketConnection connection) : IChatConnection
{
    public long Id => connection.Id;

    public bool TrySend(SharedFrame frame) => connection.TrySend(frame);

    public void Close(WebSocketCloseCode code, string reason) => connection.Close(code, reason);
}
