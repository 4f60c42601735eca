using System.Buffers;
using System.Buffers.Binary;

namespace WsChat.Net.WebSockets;

/// <summary>Parses and checks one frame header (RFC 6455 §5.2) before any payload byte is read.</summary>
internal static class FrameHeaderParser
{
    /// <summary>The largest header: 2 bytes, 8-byte extended length, 4-byte mask.</summary>
    public const int MaxHeaderLength = 14;

    /// <summary>
    /// Reads the frame header at the start of <paramref name="src"/>.
    /// </summary>
    /// <param name="src">Bytes received; the header may be incomplete.</param>
    /// <param name="requireMask">
    /// True on the server side: client frames MUST be masked (RFC 6455 §5.1). False on the client side:
    /// server frames MUST NOT be masked (§5.1). Either violation is a protocol error (1002).
    /// </param>
    /// <param name="header">The header, when Done.</param>
    /// <param name="error">1002 or 1009 when InvalidData.</param>
    /// <param name="maxPayloadLength">
    /// A payload longer than this fails with 1009 before any of it is read (the message limit).
    /// </param>
    /// <returns>
    /// Done; NeedMoreData when <paramref name="src"/> ends inside the header (nothing is invalid yet:
    /// the first two bytes are checked as soon as they arrive); InvalidData with <paramref name="error"/>.
    /// </returns>
    public static OperationStatus TryRead(ReadOnlySpan<byte> src, bool requireMask, out FrameHeader header, out WebSocketCloseCode error, long maxPayloadLength = long.MaxValue)
    {
        header = default;
        error = WebSocketCloseCode.None;
        if (src.Length < 2)
        {
            // Even one byte can be judged: RSV bits and the opcode live in byte 0.
            if (src.Length == 1 && !IsValidFirstByte(src[0])) return Fail(WebSocketCloseCode.ProtocolError, out error);
            return OperationStatus.NeedMoreData;
        }

        byte b0 = src[0], b1 = src[1];
        // §5.2: RSV1-3 MUST be 0 unless an extension is negotiated (we negotiate none); opcodes 3-7, B-F are reserved.
        if (!IsValidFirstByte(b0)) return Fail(WebSocketCloseCode.ProtocolError, out error);

        bool fin = (b0 & 0x80) != 0;
        var opcode = (WebSocketOpcode)(b0 & 0x0F);
        bool masked = (b1 & 0x80) != 0;
        int len7 = b1 & 0x7F;

        // §5.1: client-to-server frames are masked, server-to-client frames are not.
        if (masked != requireMask) return Fail(WebSocketCloseCode.ProtocolError, out error);

        bool control = ((byte)opcode & 0x8) != 0;
        // §5.5: control frames have a payload of at most 125 bytes and MUST NOT be fragmented.
        if (control && (!fin || len7 > 125)) return Fail(WebSocketCloseCode.ProtocolError, out error);

        int size = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (src.Length < size)
        {
            // Judge the length as soon as its bytes are here, so a hostile 2^63 length fails at once.
            int lengthBytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
            if (src.Length < 2 + lengthBytes) return OperationStatus.NeedMoreData;
        }

        long length;
        if (len7 == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(src[2..]);
            // §5.2: "the minimal number of bytes MUST be used to encode the length".
            if (length < 126) return Fail(WebSocketCloseCode.ProtocolError, out error);
        }
        else if (len7 == 127)
        {
            ulong raw = BinaryPrimitives.ReadUInt64BigEndian(src[2..]);
            // §5.2: "the most significant bit MUST be 0".
            if ((raw & 0x8000_0000_0000_0000UL) != 0) return Fail(WebSocketCloseCode.ProtocolError, out error);
            if (raw <= ushort.MaxValue) return Fail(WebSocketCloseCode.ProtocolError, out error);
            length = (long)raw;
        }
        else
        {
            length = len7;
        }

        // The message limit: refuse before reading (and buffering) a byte of the payload.
        if (length > maxPayloadLength) return Fail(WebSocketCloseCode.MessageTooBig, out error);
        if (src.Length < size) return OperationStatus.NeedMoreData;

        uint mask = masked ? Masking.FromKey(src.Slice(size - 4, 4)) : 0;
        header = new FrameHeader(fin, opcode, masked, mask, length, size);
        return OperationStatus.Done;
    }

    /// <summary>Reads a header that may span segments (at most 14 bytes are copied to the stack).</summary>
    public static OperationStatus TryRead(in ReadOnlySequence<byte> src, bool requireMask, out FrameHeader header, out WebSocketCloseCode error, long maxPayloadLength = long.MaxValue)
    {
        ReadOnlySpan<byte> first = src.FirstSpan;
        if (first.Length >= MaxHeaderLength || src.IsSingleSegment) return TryRead(first, requireMask, out header, out error, maxPayloadLength);
        Span<byte> scratch = stackalloc byte[MaxHeaderLength];
        int copied = (int)Math.Min(src.Length, MaxHeaderLength);
        src.Slice(0, copied).CopyTo(scratch);
        return TryRead(scratch[..copied], requireMask, out header, out error, maxPayloadLength);
    }

    // Byte 0: RSV1-3 clear, opcode one of 0, 1, 2, 8, 9, A, and FIN set on a control frame (§5.5).
    private static bool IsValidFirstByte(byte b0)
    {
        if ((b0 & 0x70) != 0) return false;
        int opcode = b0 & 0x0F;
        if (opcode <= 2) return true;
        return opcode <= 0xA && opcode >= 8 && (b0 & 0x80) != 0;
    }

    private static OperationStatus Fail(WebSocketCloseCode code, out WebSocketCloseCode error)
    {
        error = code;
        return OperationStatus.InvalidData;
    }
}
