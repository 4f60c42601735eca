using System.Text;
using WsChat.Core.Diagnostics;
using WsChat.Net.Transport;

namespace WsChat.Host.Endpoints;

/// <summary><c>/readyz</c>: 200 while the server accepts new connections and every <see cref="IReadinessCheck"/>
/// (storage reachable) holds; 503 while starting, draining, or while a check fails (PROTOCOL.md §1).</summary>
internal sealed class ReadinessHandler(WebSocketServer server, IReadOnlyList<IReadinessCheck>? checks = null) : IHttpHandler
{
    private static readonly byte[] s_ready = "ready\n"u8.ToArray();
    private static readonly byte[] s_notReady = "not ready\n"u8.ToArray();
    private readonly IReadinessCheck[] _checks = [.. checks ?? []];

    /// <summary>The same verdict as the endpoint's status (also the <c>wschat_ready</c> gauge).</summary>
    public bool IsReady
    {
        get
        {
            if (server.State != WebSocketServerState.Running) return false;
            foreach (IReadinessCheck check in _checks)
                if (!check.IsReady) return false;
            return true;
        }
    }

    public HttpResponse Handle(HttpRequest request)
    {
        if (IsReady) return new HttpResponse(200, s_ready);
        if (server.State != WebSocketServerState.Running) return new HttpResponse(503, s_notReady);
        // Rare (a failing dependency): name it, so whoever looks at the probe sees why.
        var body = new StringBuilder("not ready:");
        foreach (IReadinessCheck check in _checks)
            if (!check.IsReady) body.Append(' ').Append(check.Name);
        return HttpResponse.Text(503, body.Append('\n').ToString());
    }
}
