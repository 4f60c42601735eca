using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace WsChat.Core.Protocol;

/// <summary>
/// Escapes only what JSON requires (RFC 8259 §7: <c>"</c>, <c>\</c> and U+0000..U+001F), so chat text goes out
/// exactly as it came in: no HTML escaping of <c>&lt; &gt; &amp; '</c> (PROTOCOL.md §5: clients render text as
/// text) and no <c>\u</c> escapes for non-ASCII. <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>
/// still escapes astral characters (emoji become <c>\uD83D\uDE00</c>), U+2028/U+2029 and unassigned code
/// points, which costs bytes and breaks the "byte-exact" promise for clients that compare raw frames.
/// </summary>
/// <remarks>Thread-safe and stateless; use <see cref="Instance"/>.</remarks>
internal sealed class MinimalJsonEncoder : JavaScriptEncoder
{
    public static readonly MinimalJsonEncoder Instance = new();

    private static readonly SearchValues<byte> s_utf8MustEscape = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000B\f\r\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\"\\"u8);

    // For UTF-16 input also every surrogate: the slow path copies valid pairs unchanged and replaces lone
    // ones (a lone surrogate cannot be written as UTF-8). One SearchValues, because IndexOfAnyInRange on
    // char allocates on .NET 10 (measured: 96 bytes a call).
    private static readonly SearchValues<char> s_charMustEscape = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000B\f\r\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\"\\"
        + string.Create(0xE000 - 0xD800, 0, static (chars, _) =>
        {
            for (int i = 0; i < chars.Length; i++) chars[i] = (char)(0xD800 + i);
        }));

    private MinimalJsonEncoder()
    {
    }

    // "\u001F": the longest escape of one UTF-16 code unit.
    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override bool WillEncode(int unicodeScalar) => unicodeScalar < 0x20 || unicodeScalar == '"' || unicodeScalar == '\\';

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        int index = utf8Text.IndexOfAny(s_utf8MustEscape);
        // Invalid UTF-8 must not be copied raw into the frame: send the whole value through the encoding
        // path, which replaces (or refuses) ill-formed sequences. Our callers pass validated UTF-8.
        if (!Utf8.IsValid(index < 0 ? utf8Text : utf8Text[..index])) return 0;
        return index;
    }

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        return new ReadOnlySpan<char>(text, textLength).IndexOfAny(s_charMustEscape);
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var destination = new Span<char>(buffer, bufferLength);
        numberOfCharactersWritten = 0;
        if (!WillEncode(unicodeScalar))
        {
            // Not ours to escape: write the scalar itself (one or two UTF-16 code units).
            if (!new System.Text.Rune(unicodeScalar).TryEncodeToUtf16(destination, out numberOfCharactersWritten)) return false;
            return true;
        }

        char simple = unicodeScalar switch
        {
            '"' => '"',
            '\\' => '\\',
            '\b' => 'b',
            '\f' => 'f',
            '\n' => 'n',
            '\r' => 'r',
            '\t' => 't',
            _ => '\0',
        };
        if (simple != '\0')
        {
            if (destination.Length < 2) return false;
            destination[0] = '\\';
            destination[1] = simple;
            numberOfCharactersWritten = 2;
            return true;
        }

        if (destination.Length < 6) return false;
        "\\u00".CopyTo(destination);
        destination[4] = HexUpper(unicodeScalar >> 4);
        destination[5] = HexUpper(unicodeScalar & 0xF);
        numberOfCharactersWritten = 6;
        return true;
    }

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}
