using System.Text;

namespace WsChat.Net.Transport;

/// <summary>A plain HTTP response returned by an <see cref="IHttpHandler"/>: status, content type and body.</summary>
public readonly struct HttpResponse
{
    /// <summary>Creates a response. <paramref name="body"/> is sent as is and must stay unchanged until sent
    /// (cache it: a static byte array is ideal).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is not 100-599.</exception>
    public HttpResponse(int statusCode, ReadOnlyMemory<byte> body = default, string contentType = "text/plain; charset=utf-8")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        StatusCode = statusCode;
        Body = body;
        ContentType = contentType ?? "application/octet-stream";
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The body bytes (may be empty).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The <c>Content-Type</c> header value. Default <c>text/plain; charset=utf-8</c>.</summary>
    public string ContentType { get; }

    /// <summary>Extra header lines, ASCII, each <c>Name: value\r\n</c>, written as given (cache them like the body).
    /// Empty by default, and then the response says <c>Cache-Control: no-store</c>; when set, they replace that
    /// default, so a handler that wants caching (ETag, max-age) says so itself.</summary>
    public ReadOnlyMemory<byte> Headers { get; init; }

    /// <summary>A <c>text/plain</c> response; the text is encoded as UTF-8 (allocates: cache responses on hot endpoints).</summary>
    public static HttpResponse Text(int statusCode, string text) => new(statusCode, Encoding.UTF8.GetBytes(text));
}
