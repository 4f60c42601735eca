using System.Collections.Concurrent;
using System.Net;
using WsChat.Net.Client;
using WsChat.Net.WebSockets;

namespace WsChat.LoadGen.Connections;

/// <summary>WsChat.Net's own <see cref="WebSocketClient"/> (the default, <c>--client wschat</c>).</summary>
internal sealed class WsChatLoadSocket(WebSocketClient client) : ILoadSocket
{
    public static ILoadSocketFactory Factory { get; } = new WsChatFactory();

    public ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken) =>
        client.SendAsync(WebSocketOpcode.Text, utf8, cancellationToken);

    public async Task ReceiveLoopAsync(IMessageSink sink, CancellationToken cancellationToken)
    {
        while (true)
        {
            // The payload is borrowed until the next ReceiveAsync: the sink reads it in place and keeps nothing.
            WebSocketMessage message = await client.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (message.IsClose) return;
            if (message.Type == WebSocketOpcode.Text) sink.OnMessage(message.Payload.Span);
        }
    }

    // The receive loop is running: send our close and let the loop see the server's (WebSocketClient's remarks).
    public Task CloseAsync(CancellationToken cancellationToken) =>
        client.CloseOutputAsync(WebSocketCloseCode.NormalClosure, "", cancellationToken).AsTask();

    public ValueTask DisposeAsync() => client.DisposeAsync();

    private sealed class WsChatFactory : ILoadSocketFactory
    {
        // One options object per source address, shared by every connection bound to it.
        private readonly ConcurrentDictionary<IPAddress, WebSocketClientOptions> _bySource = new();
        private readonly WebSocketClientOptions _default = new();

        public async Task<ILoadSocket> ConnectAsync(Uri url, IPAddress? source, CancellationToken cancellationToken)
        {
            WebSocketClientOptions options = source is null ? _default : _bySource.GetOrAdd(source, a => new WebSocketClientOptions { LocalAddress = a });
            try
            {
                return new WsChatLoadSocket(await WebSocketClient.ConnectAsync(url, options, cancellationToken).ConfigureAwait(false));
            }
            catch (WebSocketHandshakeException e) when (e.StatusCode is not (0 or 101))
            {
                throw new HandshakeRejectedException(e.StatusCode);
            }
        }
    }
}
