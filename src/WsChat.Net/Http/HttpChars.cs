using System.Buffers;

namespace WsChat.Net.Http;

/// <summary>Character classes of RFC 9110 §5.6 and RFC 9112.</summary>
internal static class HttpChars
{
    // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    private static readonly SearchValues<byte> s_tchar = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // Bytes a field value must not hold: CTLs except HTAB, and DEL (RFC 9110 §5.5). CR, LF, NUL are among them.
    private static readonly SearchValues<byte> s_invalidFieldValue = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    /// <summary>True when every byte is a tchar (a token); false for an empty span.</summary>
    public static bool IsToken(ReadOnlySpan<byte> value) => !value.IsEmpty && !value.ContainsAnyExcept(s_tchar);

    /// <summary>True for a tchar.</summary>
    public static bool IsTokenChar(byte b) => s_tchar.Contains(b);

    /// <summary>Index of the first byte not allowed in a field value (HTAB, SP, VCHAR, obs-text), or -1.</summary>
    public static int IndexOfInvalidFieldValueChar(ReadOnlySpan<byte> value) => value.IndexOfAny(s_invalidFieldValue);

    /// <summary>Trims optional whitespace (SP, HTAB) from both ends.</summary>
    public static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> value)
    {
        int start = 0, end = value.Length;
        while (start < end && value[start] is (byte)' ' or (byte)'\t') start++;
        while (end > start && value[end - 1] is (byte)' ' or (byte)'\t') end--;
        return value[start..end];
    }

    /// <summary>
    /// True when the comma-separated list <paramref name="list"/> holds <paramref name="token"/>
    /// (ASCII case-insensitive), as in <c>Connection: keep-alive, Upgrade</c>.
    /// </summary>
    public static bool ListContainsToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        while (true)
        {
            int comma = list.IndexOf((byte)',');
            ReadOnlySpan<byte> item = TrimOws(comma < 0 ? list : list[..comma]);
            if (System.Text.Ascii.EqualsIgnoreCase(item, token)) return true;
            if (comma < 0) return false;
            list = list[(comma + 1)..];
        }
    }
}
