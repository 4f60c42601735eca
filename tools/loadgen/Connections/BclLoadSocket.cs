using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace WsChat.LoadGen.Connections;

/// <summary>
/// System.Net.WebSockets' managed client over a socket the loadgen connects itself (so it can pick the
/// source address): an independent client to cross-check wschat's own with (<c>--client bcl</c>).
/// </summary>
internal sealed class BclLoadSocket : ILoadSocket
{
    // A chat message of the default size plus its JSON fits; larger ones grow into a pooled buffer.
    private const int ReceiveBufferSize = 1024;
    private readonly WebSocket _socket;

    private BclLoadSocket(WebSocket socket) => _socket = socket;

    public static ILoadSocketFactory Factory { get; } = new BclFactory();

    public ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken) =>
        _socket.SendAsync(utf8, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    public async Task ReceiveLoopAsync(IMessageSink sink, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        try
        {
            while (true)
            {
                int count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, count).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close) return;
                if (result.MessageType == WebSocketMessageType.Text) sink.OnMessage(buffer.AsSpan(0, count));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class BclFactory : ILoadSocketFactory
    {
        public async Task<ILoadSocket> ConnectAsync(Uri url, IPAddress? source, CancellationToken cancellationToken)
        {
            Socket socket = await SocketConnector.ConnectAsync(url, source, cancellationToken).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            try
            {
                Stream upgraded = await UpgradeAsync(stream, url, cancellationToken).ConfigureAwait(false);
                var ws = WebSocket.CreateFromStream(upgraded, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
                return new BclLoadSocket(ws);
            }
            catch
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        // RFC 6455 §4.1: the client's opening handshake, and the 101 with the matching Sec-WebSocket-Accept.
        private static async Task<Stream> UpgradeAsync(NetworkStream stream, Uri url, CancellationToken cancellationToken)
        {
            string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            string request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                             $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken).ConfigureAwait(false);

            byte[] head = new byte[4096];
            int length = 0, end;
            while ((end = head.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (length == head.Length) throw new IOException("upgrade response head over 4 KiB");
                int read = await stream.ReadAsync(head.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0) throw new IOException("connection closed during the upgrade");
                length += read;
            }

            string text = Encoding.ASCII.GetString(head, 0, end);
            string[] lines = text.Split("\r\n");
            string[] status = lines[0].Split(' ', 3);
            if (status.Length < 2 || !int.TryParse(status[1], out int code)) throw new IOException($"bad status line '{lines[0]}'");
            if (code != 101) throw new HandshakeRejectedException(code);

            string expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            bool accepted = lines.Any(l => l.StartsWith("Sec-WebSocket-Accept:", StringComparison.OrdinalIgnoreCase) && l[21..].Trim() == expected);
            if (!accepted) throw new IOException("missing or wrong Sec-WebSocket-Accept");

            // Bytes after the head (the server's welcome may come in the same segment) are the stream's start.
            int extra = length - end - 4;
            return extra == 0 ? stream : new PrefixedStream(head.AsMemory(end + 4, extra), stream);
        }
    }
}
