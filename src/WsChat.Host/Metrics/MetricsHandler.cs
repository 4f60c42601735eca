using WsChat.Net.Transport;

namespace WsChat.Host.Metrics;

/// <summary><c>/metrics</c>: the Prometheus text exposition (format 0.0.4), served by our own listener.</summary>
/// <remarks>
/// prometheus-net writes asynchronously into a stream; into a <see cref="MemoryStream"/> every write completes at
/// once, so waiting for it here does not block a thread. One buffer per scrape (every 15 s or so: not a hot path).
/// </remarks>
internal sealed class MetricsHandler(PrometheusMetrics metrics) : IHttpHandler
{
    public HttpResponse Handle(HttpRequest request)
    {
        var stream = new MemoryStream(16 * 1024);
        metrics.WriteAsync(stream, CancellationToken.None).GetAwaiter().GetResult();
        return new HttpResponse(200, stream.GetBuffer().AsMemory(0, (int)stream.Length), PrometheusMetrics.ContentType);
    }
}
