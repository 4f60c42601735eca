using System.Buffers.Text;
using System.Text;

namespace WsChat.Net.Transport;

/// <summary>Writes an <see cref="HttpResponse"/> of an <see cref="IHttpHandler"/>: status line, Content-Type,
/// Content-Length, <c>Connection: close</c> (one request per connection), then the body.</summary>
internal static class HttpResponseWriter
{
    /// <summary>Room for the status line and headers (the content type is capped to keep this bound).</summary>
    public const int MaxHeadLength = 512;
    private const int MaxContentTypeLength = 256;

    public static int Write(Span<byte> destination, in HttpResponse response, bool includeBody)
    {
        int n = 0;
        n += Copy("HTTP/1.1 "u8, destination[n..]);
        Utf8Formatter.TryFormat(response.StatusCode, destination[n..], out int written);
        n += written;
        destination[n++] = (byte)' ';
        n += Encoding.ASCII.GetBytes(ReasonPhrase(response.StatusCode), destination[n..]);
        n += Copy("\r\nContent-Type: "u8, destination[n..]);
        string contentType = response.ContentType.Length <= MaxContentTypeLength ? response.ContentType : "application/octet-stream";
        n += Encoding.ASCII.GetBytes(contentType, destination[n..]);
        n += Copy("\r\nContent-Length: "u8, destination[n..]);
        Utf8Formatter.TryFormat(response.Body.Length, destination[n..], out written);
        n += written;
        n += Copy("\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"u8, destination[n..]);
        if (includeBody) n += Copy(response.Body.Span, destination[n..]);
        return n;
    }

    internal static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        414 => "URI Too Long",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    };

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }
}
