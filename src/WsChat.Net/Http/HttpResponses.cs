using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace WsChat.Net.Http;

/// <summary>
/// Canned HTTP/1.1 responses, encoded once: every error closes the connection (<c>Connection: close</c>)
/// and carries a short text body with its Content-Length, so clients and proxies see where it ends.
/// Plus writers for a 200 (or other status) with a body: /healthz, /readyz, /metrics, static files.
/// Thread-safe; nothing here allocates after type initialisation.
/// </summary>
internal static class HttpResponses
{
    /// <summary>400: malformed request, bad Sec-WebSocket-Key, token in query and header differing.</summary>
    public static ReadOnlyMemory<byte> BadRequest { get; } = Build(400, "Bad Request");

    /// <summary>401: bad or missing token (PROTOCOL.md §2).</summary>
    public static ReadOnlyMemory<byte> Unauthorized { get; } = Build(401, "Unauthorized");

    /// <summary>403: Origin not allowed (PROTOCOL.md §5).</summary>
    public static ReadOnlyMemory<byte> Forbidden { get; } = Build(403, "Forbidden");

    /// <summary>404: no route.</summary>
    public static ReadOnlyMemory<byte> NotFound { get; } = Build(404, "Not Found");

    /// <summary>405 with <c>Allow: GET</c> (RFC 9110 §15.5.6: a 405 MUST list the allowed methods).</summary>
    public static ReadOnlyMemory<byte> MethodNotAllowed { get; } = Build(405, "Method Not Allowed", "Allow: GET\r\n");

    /// <summary>408: no complete request head in time (PROTOCOL.md §5, 10 s).</summary>
    public static ReadOnlyMemory<byte> RequestTimeout { get; } = Build(408, "Request Timeout");

    /// <summary>414: request line over its limit (8 KiB).</summary>
    public static ReadOnlyMemory<byte> UriTooLong { get; } = Build(414, "URI Too Long");

    /// <summary>426 with <c>Upgrade: websocket</c>: a WebSocket endpoint asked without the upgrade headers.</summary>
    public static ReadOnlyMemory<byte> UpgradeRequired { get; } = Build(426, "Upgrade Required", "Upgrade: websocket\r\n");

    /// <summary>426 with <c>Sec-WebSocket-Version: 13</c>: a version other than 13, or none (RFC 6455 §4.4).</summary>
    public static ReadOnlyMemory<byte> VersionRequired { get; } = Build(426, "Upgrade Required", "Sec-WebSocket-Version: 13\r\n");

    /// <summary>431: head over 32 KiB or over 100 header fields.</summary>
    public static ReadOnlyMemory<byte> HeaderFieldsTooLarge { get; } = Build(431, "Request Header Fields Too Large");

    /// <summary>500: the handler failed.</summary>
    public static ReadOnlyMemory<byte> InternalServerError { get; } = Build(500, "Internal Server Error");

    /// <summary>503: starting or draining (/readyz), or refusing new connections.</summary>
    public static ReadOnlyMemory<byte> ServiceUnavailable { get; } = Build(503, "Service Unavailable");

    /// <summary>505: an HTTP version other than 1.1.</summary>
    public static ReadOnlyMemory<byte> HttpVersionNotSupported { get; } = Build(505, "HTTP Version Not Supported");

    /// <summary>The canned response for an error status; 500's for a status without one.</summary>
    public static ReadOnlyMemory<byte> ForStatus(int statusCode) => statusCode switch
    {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        408 => RequestTimeout,
        414 => UriTooLong,
        426 => UpgradeRequired,
        431 => HeaderFieldsTooLarge,
        503 => ServiceUnavailable,
        505 => HttpVersionNotSupported,
        _ => InternalServerError,
    };

    /// <summary>The reason phrase of a status code this server sends ("OK", "Not Found", …); "Unknown" otherwise.</summary>
    public static ReadOnlySpan<byte> ReasonPhrase(int statusCode) => statusCode switch
    {
        200 => "OK"u8,
        204 => "No Content"u8,
        301 => "Moved Permanently"u8,
        304 => "Not Modified"u8,
        400 => "Bad Request"u8,
        401 => "Unauthorized"u8,
        403 => "Forbidden"u8,
        404 => "Not Found"u8,
        405 => "Method Not Allowed"u8,
        408 => "Request Timeout"u8,
        414 => "URI Too Long"u8,
        426 => "Upgrade Required"u8,
        431 => "Request Header Fields Too Large"u8,
        500 => "Internal Server Error"u8,
        503 => "Service Unavailable"u8,
        505 => "HTTP Version Not Supported"u8,
        _ => "Unknown"u8,
    };

    /// <summary>Largest head <see cref="WriteHead(Span{byte}, int, ReadOnlySpan{byte}, long, bool)"/> writes, plus the content type's length.</summary>
    public const int MaxHeadLengthWithoutContentType = 160;

    /// <summary>
    /// Writes a response head with Content-Type and Content-Length (and <c>Connection: close</c> unless
    /// <paramref name="keepAlive"/>), for a body the caller sends next. Returns the bytes written.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is too short
    /// (<see cref="MaxHeadLengthWithoutContentType"/> + the content type length always suffices).</exception>
    public static int WriteHead(Span<byte> destination, int statusCode, ReadOnlySpan<byte> contentType, long contentLength, bool keepAlive = false) =>
        WriteHead(destination, statusCode, contentType, contentLength, default, keepAlive);

    /// <summary>
    /// As <see cref="WriteHead(Span{byte}, int, ReadOnlySpan{byte}, long, bool)"/>, with extra header lines (each
    /// <c>Name: value\r\n</c>) that replace the default <c>Cache-Control: no-store</c> when not empty. The destination
    /// needs <see cref="MaxHeadLengthWithoutContentType"/> + the content type's and the headers' lengths.
    /// </summary>
    public static int WriteHead(Span<byte> destination, int statusCode, ReadOnlySpan<byte> contentType, long contentLength, ReadOnlySpan<byte> headers, bool keepAlive = false)
    {
        var w = new SpanWriter(destination);
        w.Write("HTTP/1.1 "u8);
        w.WriteNumber(statusCode);
        w.Write(" "u8);
        w.Write(ReasonPhrase(statusCode));
        w.Write("\r\nContent-Type: "u8);
        w.Write(contentType);
        w.Write("\r\nContent-Length: "u8);
        w.WriteNumber(contentLength);
        if (headers.IsEmpty)
        {
            w.Write(keepAlive ? "\r\nCache-Control: no-store\r\n\r\n"u8 : "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"u8);
            return w.Written;
        }
        w.Write("\r\n"u8);
        w.Write(headers);
        w.Write(keepAlive ? "\r\n"u8 : "Connection: close\r\n\r\n"u8);
        return w.Written;
    }

    /// <summary>Writes a whole response (head and body) into <paramref name="destination"/>.</summary>
    public static int WriteResponse(Span<byte> destination, int statusCode, ReadOnlySpan<byte> contentType, ReadOnlySpan<byte> body, bool keepAlive = false)
    {
        int head = WriteHead(destination, statusCode, contentType, body.Length, keepAlive);
        if (destination.Length - head < body.Length) throw new ArgumentException("The destination is too short for the body.", nameof(destination));
        body.CopyTo(destination[head..]);
        return head + body.Length;
    }

    /// <summary>Writes a whole response into <paramref name="writer"/> (one GetSpan/Advance).</summary>
    public static void WriteResponse(IBufferWriter<byte> writer, int statusCode, ReadOnlySpan<byte> contentType, ReadOnlySpan<byte> body, bool keepAlive = false)
    {
        Span<byte> span = writer.GetSpan(MaxHeadLengthWithoutContentType + contentType.Length + body.Length);
        writer.Advance(WriteResponse(span, statusCode, contentType, body, keepAlive));
    }

    /// <summary>Writes a 200 with a body (for /healthz, /readyz, /metrics, static files).</summary>
    public static int WriteOk(Span<byte> destination, ReadOnlySpan<byte> contentType, ReadOnlySpan<byte> body) =>
        WriteResponse(destination, 200, contentType, body);

    private static byte[] Build(int status, string reason, string extraHeaders = "")
    {
        string body = $"{status} {reason}\n";
        string text = $"HTTP/1.1 {status} {reason}\r\n{extraHeaders}Content-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
        return Encoding.ASCII.GetBytes(text);
    }

    private ref struct SpanWriter
    {
        private readonly Span<byte> _destination;
        public int Written;

        public SpanWriter(Span<byte> destination)
        {
            _destination = destination;
            Written = 0;
        }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            if (!bytes.TryCopyTo(_destination[Written..])) ThrowTooShort();
            Written += bytes.Length;
        }

        public void WriteNumber(long value)
        {
            if (!Utf8Formatter.TryFormat(value, _destination[Written..], out int written)) ThrowTooShort();
            Written += written;
        }

        private static void ThrowTooShort() => throw new ArgumentException("The destination is too short for the response.", "destination");
    }
}
