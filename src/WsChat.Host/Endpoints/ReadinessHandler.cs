using WsChat.Net.Transport;

namespace WsChat.Host.Endpoints;

/// <summary><c>/readyz</c>: 200 while the server accepts new connections, 503 while starting or draining (PROTOCOL.md §1).</summary>
internal sealed class ReadinessHandler(WebSocketServer server) : IHttpHandler
{
    private static readonly byte[] s_ready = "ready\n"u8.ToArray();
    private static readonly byte[] s_notReady = "not ready\n"u8.ToArray();

    public HttpResponse Handle(HttpRequest request) =>
        server.State == WebSocketServerState.Running ? new HttpResponse(200, s_ready) : new HttpResponse(503, s_notReady);
}
