using System.Buffers;
using System.Text;

namespace WsChat.Net.Http;

/// <summary>Percent-decoding (RFC 3986 §2.1), optionally with "+" as a space (HTML forms' query strings).</summary>
internal static class PercentEncoding
{
    // Decoded strings longer than this are built in a pooled buffer instead of on the stack.
    private const int StackLimit = 512;

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/> (at most as long as the
    /// source). False on a malformed escape ("%" not followed by two hex digits) or a short destination.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, Span<byte> destination, bool plusIsSpace, out int written)
    {
        written = 0;
        for (int i = 0; i < source.Length; i++)
        {
            if (written == destination.Length) return false;
            byte b = source[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= source.Length) return false;
                int hi = HexValue(source[i + 1]), lo = HexValue(source[i + 2]);
                if ((hi | lo) < 0) return false;
                b = (byte)((hi << 4) | lo);
                i += 2;
            }
            else if (b == (byte)'+' && plusIsSpace)
            {
                b = (byte)' ';
            }

            destination[written++] = b;
        }

        return true;
    }

    /// <summary>Decodes to a string; null on a malformed escape or when the bytes are not UTF-8.</summary>
    public static string? DecodeToString(ReadOnlySpan<byte> source, bool plusIsSpace)
    {
        byte[]? rented = null;
        Span<byte> buffer = source.Length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(source.Length));
        try
        {
            if (!TryDecode(source, buffer, plusIsSpace, out int written)) return null;
            ReadOnlySpan<byte> bytes = buffer[..written];
            return System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : null;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
