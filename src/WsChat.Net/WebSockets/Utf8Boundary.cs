namespace WsChat.Net.WebSockets;

/// <summary>Finds code point boundaries in UTF-8 text, for truncating without splitting a character.</summary>
internal static class Utf8Boundary
{
    /// <summary>
    /// Returns the largest length ≤ <paramref name="maxLength"/> that does not end inside a multi-byte
    /// sequence of <paramref name="utf8"/>: steps back over continuation bytes (10xxxxxx) to the lead byte.
    /// </summary>
    public static int TrimToCodePoint(ReadOnlySpan<byte> utf8, int maxLength)
    {
        if (maxLength >= utf8.Length) return utf8.Length;
        int length = maxLength;
        // utf8[length] is the first byte cut off; while it is a continuation byte, the cut splits a sequence.
        while (length > 0 && (utf8[length] & 0xC0) == 0x80) length--;
        return length;
    }
}
