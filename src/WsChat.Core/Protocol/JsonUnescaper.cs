using System.Text;

namespace WsChat.Core.Protocol;

/// <summary>
/// Decodes the body of a JSON string whose escape syntax <see cref="System.Text.Json.Utf8JsonReader"/> has
/// already checked (RFC 8259 §7), without throwing: <c>Utf8JsonReader.CopyString</c> throws on lone
/// surrogate escapes, and a hostile client must not cost us an exception per message.
/// </summary>
internal static class JsonUnescaper
{
    /// <summary>
    /// Writes the decoded bytes of <paramref name="raw"/> into <paramref name="destination"/> (at least
    /// <c>raw.Length</c> bytes: decoding never grows). False on a lone or reversed surrogate escape
    /// (<c>\ud800</c>, <c>\udc00\ud800</c>), which cannot be UTF-8.
    /// </summary>
    public static bool TryUnescape(ReadOnlySpan<byte> raw, Span<byte> destination, out int written)
    {
        written = 0;
        int i = 0;
        while (i < raw.Length)
        {
            int backslash = raw[i..].IndexOf((byte)'\\');
            if (backslash < 0)
            {
                raw[i..].CopyTo(destination[written..]);
                written += raw.Length - i;
                return true;
            }

            raw.Slice(i, backslash).CopyTo(destination[written..]);
            written += backslash;
            i += backslash;
            if (i + 1 >= raw.Length) return false;   // the reader rejects this; defensive for direct callers
            byte escape = raw[i + 1];
            i += 2;
            byte simple = escape switch
            {
                (byte)'"' => (byte)'"',
                (byte)'\\' => (byte)'\\',
                (byte)'/' => (byte)'/',
                (byte)'b' => (byte)'\b',
                (byte)'f' => (byte)'\f',
                (byte)'n' => (byte)'\n',
                (byte)'r' => (byte)'\r',
                (byte)'t' => (byte)'\t',
                _ => 0,
            };
            if (escape != (byte)'u')
            {
                if (simple == 0) return false;
                destination[written++] = simple;
                continue;
            }

            if (!TryReadHex4(raw, i, out int unit)) return false;
            i += 4;
            int scalar = unit;
            if (char.IsLowSurrogate((char)unit)) return false;
            if (char.IsHighSurrogate((char)unit))
            {
                // A high surrogate must be followed at once by an escaped low one.
                if (i + 6 > raw.Length || raw[i] != (byte)'\\' || raw[i + 1] != (byte)'u') return false;
                if (!TryReadHex4(raw, i + 2, out int low) || !char.IsLowSurrogate((char)low)) return false;
                i += 6;
                scalar = char.ConvertToUtf32((char)unit, (char)low);
            }

            written += new Rune(scalar).EncodeToUtf8(destination[written..]);
        }

        return true;
    }

    private static bool TryReadHex4(ReadOnlySpan<byte> raw, int at, out int value)
    {
        value = 0;
        if (at + 4 > raw.Length) return false;
        for (int k = 0; k < 4; k++)
        {
            int digit = HexValue(raw[at + k]);
            if (digit < 0) return false;
            value = (value << 4) | digit;
        }

        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
