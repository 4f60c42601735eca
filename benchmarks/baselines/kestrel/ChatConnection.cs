using System.Net.WebSockets;
using System.Threading.Channels;

namespace KestrelChat;

/// <summary>
/// One client: its socket, identity, joined rooms and a bounded outbound queue drained by one writer
/// task, so that broadcasts never wait on a slow socket and sends never overlap.
/// </summary>
public sealed class ChatConnection
{
    private readonly Channel<byte[]> _outbound;

    public ChatConnection(long session, string userId, string username, WebSocket socket, int queueCapacity)
    {
        Session = session;
        UserId = userId;
        Username = username;
        Socket = socket;
        _outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public long Session { get; }
    public string UserId { get; }
    public string Username { get; }
    public WebSocket Socket { get; }

    /// <summary>Rooms this connection joined; touched only by its own receive loop.</summary>
    public HashSet<string> Rooms { get; } = [];

    /// <summary>Queues an encoded message; a full queue means a slow consumer, which is dropped.</summary>
    public bool Send(byte[] payload)
    {
        if (_outbound.Writer.TryWrite(payload)) return true;
        _outbound.Writer.TryComplete();
        Socket.Abort();
        return false;
    }

    public void Complete() => _outbound.Writer.TryComplete();

    public async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (byte[] payload in _outbound.Reader.ReadAllAsync(cancellationToken))
            {
                await Socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away; the receive loop cleans up.
        }
    }
}
