using WsChat.Net.Transport;

namespace WsChat.Host.Endpoints;

/// <summary><c>/healthz</c>: 200 while the process is alive (PROTOCOL.md §1).</summary>
internal sealed class HealthHandler : IHttpHandler
{
    private static readonly byte[] s_ok = "ok\n"u8.ToArray();

    public HttpResponse Handle(HttpRequest request) => new(200, s_ok);
}
