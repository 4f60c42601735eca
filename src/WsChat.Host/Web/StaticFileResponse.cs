namespace WsChat.Host.Web;

/// <summary>What <see cref="StaticFileHandler"/> answers: a status, the body, and the headers to send.</summary>
/// <param name="StatusCode">200, 304, 404 or 405.</param>
/// <param name="ContentType">The <c>Content-Type</c> of <paramref name="Body"/>.</param>
/// <param name="Body">The bytes to send: empty for 304 (for HEAD the transport sends only their length).</param>
/// <param name="Headers">Headers besides <c>Content-Type</c> and <c>Content-Length</c> (ETag, Cache-Control, …);
/// shared arrays: never modify them.</param>
internal readonly record struct StaticFileResponse(
    int StatusCode, string ContentType, ReadOnlyMemory<byte> Body, KeyValuePair<string, string>[] Headers);
