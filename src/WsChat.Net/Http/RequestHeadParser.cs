using System.Buffers;
using System.Text;

namespace WsChat.Net.Http;

/// <summary>
/// Parses an HTTP/1.1 request head (RFC 9112 §2-§5) with the limits of PROTOCOL.md §5, strictly:
/// whatever a lenient parser would have to guess about is refused with 400, so that no proxy in front
/// and this server can read one request two ways (request smuggling).
/// </summary>
/// <remarks>
/// Decisions (docs/protocol.md): only HTTP/1.1 is served — HTTP/1.0 and other well-formed versions get
/// 505 (a WebSocket upgrade needs 1.1, RFC 6455 §4.1), a malformed version 400. Bare LF, bare CR,
/// obs-fold (a line starting with whitespace), whitespace before the colon, control characters, an
/// empty line before the request line, and a missing or repeated Host (RFC 9112 §3.2) all get 400.
/// The request-target is origin-form ("/path?query"), absolute-form ("http://host/path") or "*".
/// Thread-safe (static, no state); allocates nothing (the head is copied into a pooled buffer).
/// </remarks>
internal static class RequestHeadParser
{
    /// <summary>Status codes the parser answers with.</summary>
    public const int BadRequest = 400, UriTooLong = 414, HeaderFieldsTooLarge = 431, HttpVersionNotSupported = 505;

    /// <summary>Same as the overload with <see cref="RequestHeadLimits.Default"/>.</summary>
    public static OperationStatus TryParse(in ReadOnlySequence<byte> input, HttpRequestHead head, out int headLength, out int statusCode) =>
        TryParse(input, head, RequestHeadLimits.Default, out headLength, out statusCode);

    /// <summary>
    /// Parses the head at the start of <paramref name="input"/> into <paramref name="head"/>.
    /// </summary>
    /// <returns>
    /// Done: <paramref name="head"/> is filled and <paramref name="headLength"/> bytes of the input are the
    /// head (a body, if any, follows). NeedMoreData: no complete head yet and no limit passed (call again
    /// with more bytes; <paramref name="head"/> is untouched). InvalidData: answer <paramref name="statusCode"/>
    /// (400, 414, 431 or 505) and close. Garbage is refused as soon as it is seen, not after the head limit.
    /// </returns>
    public static OperationStatus TryParse(in ReadOnlySequence<byte> input, HttpRequestHead head, RequestHeadLimits limits, out int headLength, out int statusCode)
    {
        headLength = 0;
        statusCode = 0;
        OperationStatus status = FindHeadEnd(input, limits, out int length, out int headerCount, out statusCode);
        if (status != OperationStatus.Done) return status;

        Span<byte> buffer = head.Rent(length, headerCount);
        input.Slice(0, length).CopyTo(buffer);
        statusCode = ParseCopiedHead(buffer, head);
        if (statusCode != 0)
        {
            head.Dispose();
            return OperationStatus.InvalidData;
        }

        headLength = length;
        return OperationStatus.Done;
    }

    // Pass 1, over the (possibly segmented) input: find the empty line that ends the head, checking that
    // every LF follows a CR and that no limit is passed, as early as the bytes allow.
    private static OperationStatus FindHeadEnd(in ReadOnlySequence<byte> input, RequestHeadLimits limits, out int headLength, out int headerCount, out int statusCode)
    {
        headLength = headerCount = statusCode = 0;
        var reader = new SequenceReader<byte>(input);
        int lines = 0;
        long lineStart = 0;
        while (true)
        {
            if (!reader.TryAdvanceTo((byte)'\n'))
            {
                long pending = input.Length - lineStart;
                if (lines == 0)
                {
                    // More than the line limit plus its CR, and still no LF: the line is too long.
                    if (pending > limits.MaxRequestLineLength + 1) return Fail(UriTooLong, out statusCode);
                    if (!IsPlausibleRequestLineStart(input)) return Fail(BadRequest, out statusCode);
                }

                if (input.Length > limits.MaxHeadLength) return Fail(HeaderFieldsTooLarge, out statusCode);
                return OperationStatus.NeedMoreData;
            }

            long lf = reader.Consumed - 1;
            if (lf == lineStart || !PrecededByCr(ref reader)) return Fail(BadRequest, out statusCode);   // bare LF
            long contentLength = lf - 1 - lineStart;
            if (lines == 0)
            {
                if (contentLength > limits.MaxRequestLineLength) return Fail(UriTooLong, out statusCode);
                if (contentLength == 0) return Fail(BadRequest, out statusCode);
                // The request line is complete: judge it now rather than wait for a head that may never come
                // (a garbage line followed by silence must get 400 at once, not 408 at the head timeout).
                int lineStatus = CheckRequestLine(input.Slice(lineStart, contentLength));
                if (lineStatus != 0) return Fail(lineStatus, out statusCode);
            }
            else if (contentLength == 0)
            {
                if (lf + 1 > limits.MaxHeadLength) return Fail(HeaderFieldsTooLarge, out statusCode);
                headLength = (int)(lf + 1);
                headerCount = lines - 1;
                return OperationStatus.Done;
            }
            else if (lines > limits.MaxHeaderCount)
            {
                return Fail(HeaderFieldsTooLarge, out statusCode);
            }

            lines++;
            lineStart = lf + 1;
            if (lineStart > limits.MaxHeadLength) return Fail(HeaderFieldsTooLarge, out statusCode);
        }
    }

    private static bool PrecededByCr(ref SequenceReader<byte> reader)
    {
        reader.Rewind(2);
        reader.TryPeek(out byte previous);
        reader.Advance(2);
        return previous == (byte)'\r';
    }

    // Refuses garbage (a TLS hello, binary noise) before the request line ends: the bytes so far must
    // be a method token, optionally followed by a space.
    private static bool IsPlausibleRequestLineStart(in ReadOnlySequence<byte> input)
    {
        ReadOnlySpan<byte> first = input.FirstSpan;
        int n = Math.Min(first.Length, 32);
        for (int i = 0; i < n; i++)
        {
            byte b = first[i];
            if (b == (byte)' ') return i > 0;
            if (!HttpChars.IsTokenChar(b)) return false;
        }

        return true;
    }

    // Pass 2, over the contiguous copy: the request line and every header field. Returns 0 or a status.
    private static int ParseCopiedHead(ReadOnlySpan<byte> buffer, HttpRequestHead head)
    {
        int lineEnd = buffer.IndexOf((byte)'\n') - 1;   // index of the CR
        int status = ParseRequestLine(buffer[..lineEnd], head);
        if (status != 0) return status;

        int position = lineEnd + 2;
        int hosts = 0;
        while (true)
        {
            int cr = buffer[position..].IndexOf((byte)'\n') - 1 + position;
            if (cr == position) break;   // the empty line
            ReadOnlySpan<byte> line = buffer[position..cr];
            // RFC 9112 §5.2: obs-fold (a continuation line) is refused; §5.1: no whitespace before the colon.
            if (line[0] is (byte)' ' or (byte)'\t') return BadRequest;
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || !HttpChars.IsToken(line[..colon])) return BadRequest;
            ReadOnlySpan<byte> rawValue = line[(colon + 1)..];
            ReadOnlySpan<byte> value = HttpChars.TrimOws(rawValue);
            if (HttpChars.IndexOfInvalidFieldValueChar(value) >= 0) return BadRequest;
            int valueStart = position + colon + 1 + LeadingOws(rawValue);
            head.AddHeader(new HttpHeaderEntry(position, colon, valueStart, value.Length));
            if (Ascii.EqualsIgnoreCase(line[..colon], "host"u8)) hosts++;
            position = cr + 2;
        }

        // RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request without Host or with more than one.
        return hosts == 1 ? 0 : BadRequest;
    }

    private static int LeadingOws(ReadOnlySpan<byte> value)
    {
        int i = 0;
        while (i < value.Length && value[i] is (byte)' ' or (byte)'\t') i++;
        return i;
    }

    // The request line's shape alone (no head is filled), over a line that may span segments.
    private static int CheckRequestLine(in ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment) return ParseRequestLine(line.FirstSpan, head: null);
        byte[] copy = ArrayPool<byte>.Shared.Rent((int)line.Length);
        try
        {
            line.CopyTo(copy);
            return ParseRequestLine(copy.AsSpan(0, (int)line.Length), head: null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    // Fills head's request line when head is given; with null it only checks the shape.
    private static int ParseRequestLine(ReadOnlySpan<byte> line, HttpRequestHead? head)
    {
        // request-line = method SP request-target SP HTTP-version (RFC 9112 §3): exactly single spaces.
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0 || !HttpChars.IsToken(line[..sp1])) return BadRequest;
        int sp2Relative = line[(sp1 + 1)..].IndexOf((byte)' ');
        if (sp2Relative <= 0) return BadRequest;
        int targetStart = sp1 + 1;
        int sp2 = targetStart + sp2Relative;
        ReadOnlySpan<byte> target = line[targetStart..sp2];
        // Visible ASCII only: no control characters, no spaces, no raw non-ASCII (RFC 3986 needs %XX).
        if (target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E)) return BadRequest;

        ReadOnlySpan<byte> version = line[(sp2 + 1)..];
        if (!version.SequenceEqual("HTTP/1.1"u8))
        {
            bool wellFormed = version.Length == 8 && version.StartsWith("HTTP/"u8)
                && char.IsAsciiDigit((char)version[5]) && version[6] == (byte)'.' && char.IsAsciiDigit((char)version[7]);
            return wellFormed ? HttpVersionNotSupported : BadRequest;
        }

        int pathStart, pathEnd;
        if (target[0] == (byte)'/')
        {
            pathStart = targetStart;
        }
        else if (target.SequenceEqual("*"u8))
        {
            head?.SetRequestLine(sp1, targetStart, target.Length, targetStart, 1, -1, 0);
            return 0;
        }
        else
        {
            // absolute-form (RFC 9112 §3.2.2): a server MUST accept it. The path starts after the authority.
            int schemeLength = StartsWithIgnoreCase(target, "http://"u8) ? 7 : StartsWithIgnoreCase(target, "https://"u8) ? 8 : -1;
            if (schemeLength < 0) return BadRequest;
            int authorityEnd = target[schemeLength..].IndexOfAny((byte)'/', (byte)'?');
            pathStart = targetStart + (authorityEnd < 0 ? target.Length : schemeLength + authorityEnd);
        }

        int targetEnd = targetStart + target.Length;
        int question = line[pathStart..targetEnd].IndexOf((byte)'?');
        pathEnd = question < 0 ? targetEnd : pathStart + question;
        int queryStart = question < 0 ? -1 : pathEnd + 1;
        head?.SetRequestLine(sp1, targetStart, target.Length, pathStart, pathEnd - pathStart, queryStart, question < 0 ? 0 : targetEnd - queryStart);
        return 0;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> prefix) =>
        value.Length >= prefix.Length && Ascii.EqualsIgnoreCase(value[..prefix.Length], prefix);

    private static OperationStatus Fail(int code, out int statusCode)
    {
        statusCode = code;
        return OperationStatus.InvalidData;
    }
}
