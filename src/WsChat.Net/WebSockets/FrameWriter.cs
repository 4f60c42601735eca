using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace WsChat.Net.WebSockets;

/// <summary>
/// Writes WebSocket frames (RFC 6455 §5.2): unmasked for a server, masked with a fresh random key per
/// frame for a client (§5.3: the key MUST be unpredictable, so a cryptographic RNG).
/// </summary>
/// <remarks>
/// <see cref="Server"/> is stateless and thread-safe. A client writer keeps a 64-byte buffer of random
/// keys (16 frames' worth, refilled by one RandomNumberGenerator.Fill call), so it is not
/// thread-safe: one per connection's send path. No method allocates.
/// </remarks>
internal sealed class FrameWriter
{
    /// <summary>The largest header: 2 bytes, 8-byte length, 4-byte mask.</summary>
    public const int MaxHeaderLength = 14;

    // 16 keys per RNG call: cheap enough per frame, and the writer stays 64 bytes plus an object header.
    private const int KeyBufferSize = 64;

    /// <summary>The unmasked writer of the server side (shared; stateless).</summary>
    public static readonly FrameWriter Server = new(masked: false);

    private readonly byte[]? _keys;
    private int _keyOffset;

    /// <param name="masked">True for a client (every frame masked with a random key), false for a server.</param>
    public FrameWriter(bool masked)
    {
        if (!masked) return;
        _keys = new byte[KeyBufferSize];
        _keyOffset = KeyBufferSize;
    }

    /// <summary>True when this writer masks its frames (client side).</summary>
    public bool Masked => _keys is not null;

    /// <summary>Header size for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int GetHeaderLength(long payloadLength, bool masked) =>
        (payloadLength <= 125 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10) + (masked ? 4 : 0);

    /// <summary>Whole frame size (header and payload).</summary>
    public int GetFrameLength(int payloadLength) => GetHeaderLength(payloadLength, Masked) + payloadLength;

    /// <summary>
    /// Writes one frame into <paramref name="destination"/> and returns its length. A control frame
    /// (close, ping, pong) takes at most 125 bytes and FIN (RFC 6455 §5.5).
    /// </summary>
    /// <exception cref="ArgumentException">The destination is too short, or a control frame breaks §5.5.</exception>
    public int Write(Span<byte> destination, WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true)
    {
        int headerLength = WriteHeader(destination, opcode, payload.Length, fin, out uint mask);
        Span<byte> body = destination.Slice(headerLength, payload.Length);
        if (Masked) Masking.Apply(payload, body, mask);
        else payload.CopyTo(body);
        return headerLength + payload.Length;
    }

    /// <summary>Writes one frame into <paramref name="writer"/> (one GetSpan/Advance).</summary>
    public void Write(IBufferWriter<byte> writer, WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true)
    {
        int length = GetFrameLength(payload.Length);
        Span<byte> span = writer.GetSpan(length);
        writer.Advance(Write(span, opcode, payload, fin));
    }

    /// <summary>
    /// Writes only a header (and, masked, leaves the key in it): for a payload that the caller copies
    /// in afterwards. Returns the header length; <paramref name="mask"/> is what the payload must be
    /// XORed with (<see cref="Masking.Apply(Span{byte}, uint)"/>), 0 when unmasked.
    /// </summary>
    public int WriteHeader(Span<byte> destination, WebSocketOpcode opcode, long payloadLength, bool fin, out uint mask)
    {
        bool control = ((byte)opcode & 0x8) != 0;
        if (control && (payloadLength > 125 || !fin)) ThrowBadControlFrame();
        if (payloadLength < 0) throw new ArgumentOutOfRangeException(nameof(payloadLength));
        int headerLength = GetHeaderLength(payloadLength, Masked);
        if (destination.Length < headerLength)
        {
            throw new ArgumentException("The destination is too short for the frame header.", nameof(destination));
        }

        destination[0] = (byte)((fin ? 0x80 : 0) | (byte)opcode);
        byte maskBit = Masked ? (byte)0x80 : (byte)0;
        int offset;
        if (payloadLength <= 125)
        {
            destination[1] = (byte)(maskBit | payloadLength);
            offset = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            offset = 4;
        }
        else
        {
            destination[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            offset = 10;
        }

        mask = 0;
        if (Masked)
        {
            mask = NextMask();
            Masking.ToKey(mask, destination.Slice(offset, 4));
        }

        return headerLength;
    }

    /// <summary>
    /// Writes a close frame: code, then <paramref name="reason"/> in UTF-8 truncated to 123 bytes on a
    /// code point boundary (RFC 6455 §5.5.1). None/1005/1006 write an empty close frame.
    /// </summary>
    public int WriteClose(Span<byte> destination, WebSocketCloseCode code, ReadOnlySpan<char> reason)
    {
        Span<byte> payload = stackalloc byte[125];
        int length = CloseCodes.WritePayload(payload, code, reason);
        return Write(destination, WebSocketOpcode.Close, payload[..length]);
    }

    /// <summary>Writes a close frame into <paramref name="writer"/>.</summary>
    public void WriteClose(IBufferWriter<byte> writer, WebSocketCloseCode code, ReadOnlySpan<char> reason)
    {
        Span<byte> span = writer.GetSpan(MaxHeaderLength + 125);
        writer.Advance(WriteClose(span, code, reason));
    }

    private uint NextMask()
    {
        byte[] keys = _keys!;
        if (_keyOffset >= KeyBufferSize)
        {
            RandomNumberGenerator.Fill(keys);
            _keyOffset = 0;
        }

        uint mask = BinaryPrimitives.ReadUInt32LittleEndian(keys.AsSpan(_keyOffset));
        _keyOffset += 4;
        return mask;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadControlFrame() =>
        throw new ArgumentException("A control frame carries at most 125 bytes and is never fragmented (RFC 6455 §5.5).");
}
