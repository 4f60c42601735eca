using System.Net.Sockets;
using System.Threading.Channels;
using WsChat.Net.Client;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Client;

/// <summary>
/// One authenticated connection of a <see cref="ChatClient"/>: the socket, and an outbox drained by one writer task,
/// so that messages leave in the order they were queued (the client queues under its lock: rejoins, then resends,
/// then new requests) and no caller waits for the socket.
/// </summary>
internal sealed class ClientConnection
{
    private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _ended = new();
    private long _received;

    public ClientConnection(WebSocketClient socket, int generation, int heartbeatMs)
    {
        Socket = socket;
        Generation = generation;
        HeartbeatMs = heartbeatMs;
    }

    public WebSocketClient Socket { get; }

    /// <summary>1 for the first connection of the client, then one more per reconnect.</summary>
    public int Generation { get; }

    /// <summary>The server's <c>heartbeat_ms</c> from <c>welcome</c>: the keep-alive watchdog's period.</summary>
    public int HeartbeatMs { get; }

    /// <summary>Cancelled when the connection ended: stops its writer, watchdog and token refresh.</summary>
    public CancellationToken Ended => _ended.Token;

    /// <summary>Messages received so far (the watchdog compares it between two ticks).</summary>
    public long Received => Volatile.Read(ref _received);

    public void CountReceived() => Interlocked.Increment(ref _received);

    /// <summary>Queues <paramref name="payload"/>; false once the connection ended (the request stays pending and
    /// goes out on the next connection).</summary>
    public bool Enqueue(byte[] payload) => _outbox.Writer.TryWrite(payload);

    /// <summary>Sends what is queued, in order, until the connection ends. A failed send aborts the socket, so the
    /// receive loop ends too and the client reconnects.</summary>
    public async Task WriteLoopAsync()
    {
        try
        {
            await foreach (byte[] payload in _outbox.Reader.ReadAllAsync(Ended).ConfigureAwait(false))
            {
                await Socket.SendAsync(WebSocketOpcode.Text, payload, Ended).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // A close frame went out (the client is closing): nothing more may be sent, the receive loop ends it.
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            Abort();
        }
    }

    /// <summary>Ends the connection: no more sends, the writer stops, the socket is closed without a handshake
    /// (a pending receive fails, which the client takes as a lost connection). Idempotent.</summary>
    public void Abort()
    {
        End();
        _ = Socket.DisposeAsync();
    }

    /// <summary>Stops the outbox and the connection's timers. Idempotent.</summary>
    public void End()
    {
        _outbox.Writer.TryComplete();
        try
        {
            _ended.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // ended already
        }
    }
}
