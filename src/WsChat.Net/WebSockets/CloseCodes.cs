using System.Buffers.Binary;
using System.Text.Unicode;

namespace WsChat.Net.WebSockets;

/// <summary>Close-code rules of RFC 6455 §7.4 and the close frame payload of §5.5.1.</summary>
internal static class CloseCodes
{
    /// <summary>The largest close reason: a control payload holds 125 bytes, 2 of them the code.</summary>
    public const int MaxReasonLength = 123;

    /// <summary>
    /// True when <paramref name="code"/> may appear in a received close frame (RFC 6455 §7.4.1/§7.4.2):
    /// 1000-1003, 1007-1014 and 3000-4999. 1004 (reserved), 1005, 1006 and 1015 (never on the wire),
    /// anything below 1000, 1016-2999 (unassigned, reserved for the RFC and extensions) and 5000+
    /// are protocol errors (1002). 1012-1014 were registered with IANA after the RFC (service restart,
    /// try again later, bad gateway) and are accepted, as Autobahn case 7.7.x expects.
    /// </summary>
    public static bool IsValidReceived(ushort code) => code switch
    {
        >= 1000 and <= 1003 => true,
        >= 1007 and <= 1014 => true,
        >= 3000 and <= 4999 => true,
        _ => false,
    };

    /// <summary>
    /// Parses a received close frame payload (already unmasked). An empty payload means "no code"
    /// (<see cref="WebSocketCloseCode.NoStatusReceived"/>). Fails with 1002 on a 1-byte payload or an
    /// invalid code, and with 1007 when the reason is not valid UTF-8 (RFC 6455 §5.5.1, §8.1).
    /// </summary>
    public static bool TryParsePayload(ReadOnlySpan<byte> payload, out WebSocketCloseCode code, out ReadOnlySpan<byte> reason, out WebSocketCloseCode error)
    {
        reason = default;
        error = WebSocketCloseCode.None;
        if (payload.IsEmpty)
        {
            code = WebSocketCloseCode.NoStatusReceived;
            return true;
        }

        code = WebSocketCloseCode.None;
        if (payload.Length == 1)
        {
            error = WebSocketCloseCode.ProtocolError;
            return false;
        }

        ushort raw = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if (!IsValidReceived(raw))
        {
            error = WebSocketCloseCode.ProtocolError;
            return false;
        }

        ReadOnlySpan<byte> text = payload[2..];
        if (!Utf8.IsValid(text))
        {
            error = WebSocketCloseCode.InvalidPayloadData;
            return false;
        }

        code = (WebSocketCloseCode)raw;
        reason = text;
        return true;
    }

    /// <summary>
    /// Writes a close payload: the code big-endian, then <paramref name="reason"/> in UTF-8, truncated
    /// to <see cref="MaxReasonLength"/> bytes on a code point boundary. Returns the bytes written
    /// (2..125). <paramref name="destination"/> must hold 125 bytes. <see cref="WebSocketCloseCode.None"/>,
    /// 1005 and 1006 are never sent: they write an empty payload (RFC 6455 §7.4.1).
    /// </summary>
    public static int WritePayload(Span<byte> destination, WebSocketCloseCode code, ReadOnlySpan<char> reason)
    {
        if (code is WebSocketCloseCode.None or WebSocketCloseCode.NoStatusReceived or WebSocketCloseCode.AbnormalClosure) return 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)code);
        Span<byte> reasonBytes = destination.Slice(2, Math.Min(MaxReasonLength, destination.Length - 2));
        // Utf8.FromUtf16 stops at a whole code point when the destination is full (never splits a
        // surrogate pair), and replaces lone surrogates with U+FFFD, so the reason is always valid UTF-8.
        Utf8.FromUtf16(reason, reasonBytes, out _, out int written, replaceInvalidSequences: true, isFinalBlock: true);
        return 2 + written;
    }

    /// <summary>Same as <see cref="WritePayload(Span{byte}, WebSocketCloseCode, ReadOnlySpan{char})"/> for a UTF-8 reason.</summary>
    public static int WritePayload(Span<byte> destination, WebSocketCloseCode code, ReadOnlySpan<byte> utf8Reason)
    {
        if (code is WebSocketCloseCode.None or WebSocketCloseCode.NoStatusReceived or WebSocketCloseCode.AbnormalClosure) return 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)code);
        int room = Math.Min(MaxReasonLength, destination.Length - 2);
        int length = utf8Reason.Length <= room ? utf8Reason.Length : Utf8Boundary.TrimToCodePoint(utf8Reason, room);
        utf8Reason[..length].CopyTo(destination[2..]);
        return 2 + length;
    }
}
