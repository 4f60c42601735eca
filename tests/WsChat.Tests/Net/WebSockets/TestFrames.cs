using System.Buffers;
using System.Buffers.Binary;
using WsChat.Net.WebSockets;

namespace WsChat.Tests.Net.WebSockets;

/// <summary>
/// Builds frames byte by byte for tests, independently of FrameWriter (so a bug there cannot hide one
/// in the reader), including frames no correct writer would produce.
/// </summary>
internal static class TestFrames
{
    public static readonly byte[] Key = [0x37, 0xFA, 0x21, 0x3D];   // the key of RFC 6455 §5.7

    /// <summary>A frame; <paramref name="key"/> null = unmasked. Length encoding minimal unless <paramref name="lengthBytes"/> forces 0/2/8.</summary>
    public static byte[] Frame(byte opcode, ReadOnlySpan<byte> payload, bool fin = true, byte[]? key = null, int rsv = 0, int lengthBytes = -1)
    {
        var bytes = new List<byte> { (byte)((fin ? 0x80 : 0) | (rsv << 4) | opcode) };
        byte maskBit = key is null ? (byte)0 : (byte)0x80;
        int n = lengthBytes >= 0 ? lengthBytes : payload.Length <= 125 ? 0 : payload.Length <= 65535 ? 2 : 8;
        if (n == 0)
        {
            bytes.Add((byte)(maskBit | payload.Length));
        }
        else if (n == 2)
        {
            bytes.Add((byte)(maskBit | 126));
            bytes.Add((byte)(payload.Length >> 8));
            bytes.Add((byte)payload.Length);
        }
        else
        {
            bytes.Add((byte)(maskBit | 127));
            var len = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(len, (ulong)payload.Length);
            bytes.AddRange(len);
        }

        if (key is not null) bytes.AddRange(key);
        for (int i = 0; i < payload.Length; i++) bytes.Add(key is null ? payload[i] : (byte)(payload[i] ^ key[i % 4]));
        return [.. bytes];
    }

    /// <summary>A masked client frame (the server reads these).</summary>
    public static byte[] Client(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true) => Frame((byte)opcode, payload, fin, Key);

    /// <summary>A masked client text frame.</summary>
    public static byte[] ClientText(string text, bool fin = true) => Client(WebSocketOpcode.Text, System.Text.Encoding.UTF8.GetBytes(text), fin);

    /// <summary>A masked close frame with a code and reason.</summary>
    public static byte[] ClientClose(ushort code, ReadOnlySpan<byte> reason)
    {
        var payload = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, code);
        reason.CopyTo(payload.AsSpan(2));
        return Client(WebSocketOpcode.Close, payload);
    }

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}

/// <summary>An event copied out of the reader (its payload is only borrowed).</summary>
internal sealed record ReadEvent(WebSocketEventType Type, WebSocketOpcode Opcode, byte[] Payload, WebSocketCloseCode Code)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Payload);
}

/// <summary>Runs a reader over input until it stops, collecting events.</summary>
internal static class ReaderDriver
{
    /// <summary>Reads every event of <paramref name="input"/>; returns the last status and error.</summary>
    public static (List<ReadEvent> Events, OperationStatus Status, WebSocketCloseCode Error) ReadAll(ref WebSocketReader reader, ReadOnlySequence<byte> input)
    {
        var events = new List<ReadEvent>();
        while (true)
        {
            OperationStatus status = reader.TryRead(ref input, out WebSocketEvent evt, out WebSocketCloseCode error);
            if (status != OperationStatus.Done) return (events, status, error);
            events.Add(new ReadEvent(evt.Type, evt.Opcode, evt.Payload.ToArray(), evt.CloseCode));
        }
    }

    /// <summary>
    /// Feeds the pieces the way a connection would: in the given pieces, keeping the bytes the
    /// reader did not consume in front of the next piece.
    /// </summary>
    public static (List<ReadEvent> Events, OperationStatus Status, WebSocketCloseCode Error) ReadPieces(ref WebSocketReader reader, IEnumerable<byte[]> pieces)
    {
        var events = new List<ReadEvent>();
        byte[] pending = [];
        OperationStatus status = OperationStatus.NeedMoreData;
        WebSocketCloseCode error = WebSocketCloseCode.None;
        foreach (byte[] piece in pieces)
        {
            var input = new ReadOnlySequence<byte>([.. pending, .. piece]);
            while (true)
            {
                status = reader.TryRead(ref input, out WebSocketEvent evt, out error);
                if (status != OperationStatus.Done) break;
                events.Add(new ReadEvent(evt.Type, evt.Opcode, evt.Payload.ToArray(), evt.CloseCode));
            }

            if (status == OperationStatus.InvalidData) return (events, status, error);
            pending = input.ToArray();
        }

        return (events, status, error);
    }
}
