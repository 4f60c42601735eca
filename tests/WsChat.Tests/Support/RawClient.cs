using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace WsChat.Tests.Support;

/// <summary>A received frame, as the wire had it.</summary>
internal readonly record struct RawFrame(bool Fin, int Rsv, int Opcode, byte[] Payload)
{
    public ushort CloseCode => Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : (ushort)1005;

    public string Text => Encoding.UTF8.GetString(Payload);
}

/// <summary>
/// A deliberately independent WebSocket peer over a raw socket for conformance and hostile-input tests: it writes
/// any bytes, well-formed or not, and parses server frames with its own few lines (not the framer under test).
/// </summary>
internal sealed class RawClient : IDisposable
{
    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawClient(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    public static async Task<RawClient> ConnectAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, ct);
        return new RawClient(socket);
    }

    /// <summary>Connects and upgrades at <paramref name="path"/>; fails the test unless the answer is 101.</summary>
    public static async Task<RawClient> UpgradeAsync(IPEndPoint endPoint, string path, CancellationToken ct)
    {
        RawClient client = await ConnectAsync(endPoint, ct);
        await client.SendAsync(UpgradeRequest(path), ct);
        string head = await client.ReadHeadAsync(ct);
        Assert.That(head, Does.StartWith("HTTP/1.1 101 "), head);
        return client;
    }

    /// <summary>Sends one upgrade request to <paramref name="target"/> and returns the answer's head, whatever its status.</summary>
    public static async Task<string> UpgradeHeadAsync(IPEndPoint endPoint, string target, string? extraHeaders, CancellationToken ct)
    {
        using RawClient client = await ConnectAsync(endPoint, ct);
        await client.SendAsync(UpgradeRequest(target, extraHeaders), ct);
        return await client.ReadHeadAsync(ct);
    }

    public static string UpgradeRequest(string path, string? extraHeaders = null, string key = "dGhlIHNhbXBsZSBub25jZQ==") =>
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extraHeaders}\r\n";

    public Task SendAsync(string ascii, CancellationToken ct) => SendAsync(Encoding.ASCII.GetBytes(ascii), ct);

    public async Task SendAsync(byte[] bytes, CancellationToken ct)
    {
        int sent = 0;
        while (sent < bytes.Length) sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, ct);
    }

    /// <summary>Sends <paramref name="bytes"/> in pieces of <paramref name="chop"/> bytes, one system call each.</summary>
    public async Task SendChoppedAsync(byte[] bytes, int chop, CancellationToken ct)
    {
        for (int i = 0; i < bytes.Length; i += chop) await SendAsync(bytes[i..Math.Min(bytes.Length, i + chop)], ct);
    }

    /// <summary>Builds a client frame: masked with a random key unless <paramref name="masked"/> is false.</summary>
    public static byte[] Frame(int opcode, byte[] payload, bool fin = true, int rsv = 0, bool masked = true)
    {
        using var ms = new MemoryStream();
        ms.WriteByte((byte)((fin ? 0x80 : 0) | (rsv << 4) | opcode));
        byte maskBit = masked ? (byte)0x80 : (byte)0;
        if (payload.Length <= 125)
        {
            ms.WriteByte((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= 0xFFFF)
        {
            ms.WriteByte((byte)(maskBit | 126));
            ms.WriteByte((byte)(payload.Length >> 8));
            ms.WriteByte((byte)payload.Length);
        }
        else
        {
            ms.WriteByte((byte)(maskBit | 127));
            var len = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(len, (ulong)payload.Length);
            ms.Write(len);
        }

        if (!masked)
        {
            ms.Write(payload);
            return ms.ToArray();
        }

        byte[] key = RandomNumberGenerator.GetBytes(4);
        ms.Write(key);
        for (int i = 0; i < payload.Length; i++) ms.WriteByte((byte)(payload[i] ^ key[i & 3]));
        return ms.ToArray();
    }

    public static byte[] CloseFrame(ushort code, string reason = "")
    {
        byte[] payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, code);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return Frame(0x8, payload);
    }

    public Task SendFrameAsync(int opcode, byte[] payload, CancellationToken ct, bool fin = true, int rsv = 0) =>
        SendAsync(Frame(opcode, payload, fin, rsv), ct);

    public Task SendTextAsync(string text, CancellationToken ct) => SendFrameAsync(0x1, Encoding.UTF8.GetBytes(text), ct);

    /// <summary>Reads an HTTP response head (through the empty line).</summary>
    public async Task<string> ReadHeadAsync(CancellationToken ct)
    {
        while (true)
        {
            int end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                string head = Encoding.ASCII.GetString(_buffer, _start, end + 4);
                _start += end + 4;
                return head;
            }

            if (await FillAsync(ct) == 0) throw new EndOfStreamException("EOF before the end of the response head: " + Encoding.ASCII.GetString(_buffer, _start, _end - _start));
        }
    }

    /// <summary>Reads a whole response (head and body) until the server closes the connection.</summary>
    public async Task<string> ReadToEndAsync(CancellationToken ct)
    {
        while (await FillAsync(ct) > 0)
        {
        }

        string all = Encoding.ASCII.GetString(_buffer, _start, _end - _start);
        _start = _end;
        return all;
    }

    /// <summary>Reads one server frame; null at EOF.</summary>
    public async Task<RawFrame?> ReceiveFrameAsync(CancellationToken ct)
    {
        while (true)
        {
            if (TryParseFrame(out RawFrame frame)) return frame;
            if (await FillAsync(ct) == 0)
            {
                if (_end > _start) throw new EndOfStreamException("EOF inside a frame");
                return null;
            }
        }
    }

    /// <summary>Reads frames until a close frame; returns it and the data frames before it.</summary>
    public async Task<(RawFrame Close, List<RawFrame> Before)> ReceiveUntilCloseAsync(CancellationToken ct)
    {
        var before = new List<RawFrame>();
        while (true)
        {
            RawFrame? frame = await ReceiveFrameAsync(ct);
            if (frame is null) throw new EndOfStreamException($"TCP closed without a close frame (after {before.Count} frames)");
            if (frame.Value.Opcode == 0x8) return (frame.Value, before);
            before.Add(frame.Value);
        }
    }

    /// <summary>True when the server ends the TCP stream with FIN (a clean EOF), false on a reset.</summary>
    public async Task<bool> ReceiveEofAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                if (await FillAsync(ct) == 0) return true;
                _start = _end;   // bytes after the close frame are dropped (there should be none)
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();

    private bool TryParseFrame(out RawFrame frame)
    {
        frame = default;
        ReadOnlySpan<byte> b = _buffer.AsSpan(_start, _end - _start);
        if (b.Length < 2) return false;
        int len7 = b[1] & 0x7F;
        bool masked = (b[1] & 0x80) != 0;
        int header = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (b.Length < header) return false;
        long length = len7 == 126 ? BinaryPrimitives.ReadUInt16BigEndian(b[2..]) : len7 == 127 ? (long)BinaryPrimitives.ReadUInt64BigEndian(b[2..]) : len7;
        if (masked) throw new InvalidDataException("RFC 6455 §5.1: a server must not mask its frames");
        if (b.Length < header + length) return false;
        frame = new RawFrame((b[0] & 0x80) != 0, (b[0] >> 4) & 7, b[0] & 0xF, b.Slice(header, (int)length).ToArray());
        _start += header + (int)length;
        return true;
    }

    private async Task<int> FillAsync(CancellationToken ct)
    {
        if (_start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }

        int n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, ct);
        _end += n;
        return n;
    }
}
