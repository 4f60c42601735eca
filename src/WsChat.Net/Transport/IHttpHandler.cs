namespace WsChat.Net.Transport;

/// <summary>
/// Answers a plain HTTP request (<see cref="WebSocketServer.MapHttp"/>): <c>/healthz</c>, <c>/readyz</c>,
/// <c>/metrics</c>, static files.
/// </summary>
/// <remarks>
/// Called on the connection's receive loop, concurrently for different connections: implementations must be
/// thread-safe and should not block. The request is valid only during the call. The server writes the
/// response with <c>Content-Length</c> and <c>Connection: close</c>, then closes the connection (one request
/// per connection: these endpoints are probes and page loads, not a web server). An exception is logged and
/// answered with 500.
/// </remarks>
public interface IHttpHandler
{
    /// <summary>Builds the response to <paramref name="request"/>.</summary>
    HttpResponse Handle(HttpRequest request);
}
