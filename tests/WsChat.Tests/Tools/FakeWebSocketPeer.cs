using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace WsChat.Tests.Tools;

/// <summary>
/// The server side of one WebSocket connection written by hand over a real loopback socket, for the loadgen's client
/// tests: it answers the upgrade as told, writes exactly the bytes a test gives (split as it likes) and reads the
/// client's masked frames.
/// </summary>
internal sealed class FakeWebSocketPeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private Socket? _socket;
    private byte[] _pending = [];

    private FakeWebSocketPeer(TcpListener listener) => _listener = listener;

    /// <summary>The client's address, once accepted.</summary>
    public IPAddress? RemoteAddress => (_socket?.RemoteEndPoint as IPEndPoint)?.Address;

    public Uri Url => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/ws?user=u1");

    public static FakeWebSocketPeer Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new FakeWebSocketPeer(listener);
    }

    /// <summary>Accepts the client, reads its upgrade request and answers 101 (or <paramref name="status"/>), followed by
    /// <paramref name="behind"/> in the same write.</summary>
    public async Task AcceptAsync(CancellationToken cancellationToken, int status = 101, byte[]? behind = null)
    {
        _socket = await _listener.AcceptSocketAsync(cancellationToken);
        _socket.NoDelay = true;
        string head = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n\r\n"u8.ToArray(), cancellationToken));
        string key = head.Split("\r\n").Single(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
        string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        string response = status == 101
            ? $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            : $"HTTP/1.1 {status} Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await WriteAsync([.. Encoding.ASCII.GetBytes(response), .. behind ?? []], cancellationToken);
    }

    /// <summary>Accepts and reads the request, answering nothing.</summary>
    public async Task AcceptSilentlyAsync(CancellationToken cancellationToken)
    {
        _socket = await _listener.AcceptSocketAsync(cancellationToken);
        await ReadUntilAsync("\r\n\r\n"u8.ToArray(), cancellationToken);
    }

    /// <summary>An unmasked server frame (RFC 6455 §5.2) with FIN set.</summary>
    public static byte[] Frame(int opcode, ReadOnlySpan<byte> payload, bool masked = false)
    {
        var frame = new List<byte> { (byte)(0x80 | opcode) };
        byte maskBit = masked ? (byte)0x80 : (byte)0;
        if (payload.Length < 126)
        {
            frame.Add((byte)(maskBit | payload.Length));
        }
        else
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }

        if (masked) frame.AddRange(new byte[4]);   // a zero key: the payload reads the same
        frame.AddRange(payload.ToArray());
        return [.. frame];
    }

    public static byte[] Text(string text) => Frame(0x1, Encoding.UTF8.GetBytes(text));

    public async Task WriteAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        int sent = 0;
        while (sent < bytes.Length) sent += await _socket!.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken);
    }

    /// <summary>Reads one client frame: its opcode and unmasked payload; asserts that it was masked (RFC 6455 §5.3).</summary>
    public async Task<(int Opcode, byte[] Payload)> ReadFrameAsync(CancellationToken cancellationToken)
    {
        byte[] header = await ReadExactlyAsync(2, cancellationToken);
        Assert.That(header[1] & 0x80, Is.EqualTo(0x80), "client frames are masked");
        int length = header[1] & 0x7f;
        Assert.That(length, Is.LessThan(127), "the tests send no 64-bit lengths");
        if (length == 126)
        {
            byte[] extended = await ReadExactlyAsync(2, cancellationToken);
            length = (extended[0] << 8) | extended[1];
        }

        byte[] mask = await ReadExactlyAsync(4, cancellationToken);
        byte[] payload = await ReadExactlyAsync(length, cancellationToken);
        for (int i = 0; i < payload.Length; i++) payload[i] ^= mask[i & 3];
        return (header[0] & 0x0f, payload);
    }

    /// <summary>Waits for the client's FIN (a read of 0 bytes), dropping anything before it; false on a reset.</summary>
    public async Task<bool> ReadToEndAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (await _socket!.ReceiveAsync(buffer, SocketFlags.None, cancellationToken) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Closes TCP from this side (FIN).</summary>
    public void Close() => _socket?.Shutdown(SocketShutdown.Both);

    public ValueTask DisposeAsync()
    {
        _socket?.Dispose();
        _listener.Stop();
        return ValueTask.CompletedTask;
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        while (_pending.Length < count) await ReadMoreAsync(cancellationToken);
        byte[] result = _pending[..count];
        _pending = _pending[count..];
        return result;
    }

    private async Task<byte[]> ReadUntilAsync(byte[] terminator, CancellationToken cancellationToken)
    {
        int end;
        while ((end = _pending.AsSpan().IndexOf(terminator)) < 0) await ReadMoreAsync(cancellationToken);
        return await ReadExactlyAsync(end + terminator.Length, cancellationToken);
    }

    private async Task ReadMoreAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[4096];
        int read = await _socket!.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        if (read == 0) throw new EndOfStreamException("the client closed the connection");
        _pending = [.. _pending, .. buffer.AsSpan(0, read)];
    }
}
