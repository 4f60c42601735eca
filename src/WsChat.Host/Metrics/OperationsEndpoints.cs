using WsChat.Core.Diagnostics;
using WsChat.Host.Endpoints;
using WsChat.Net.Transport;

namespace WsChat.Host.Metrics;

/// <summary>
/// The operator's endpoints of one server: <c>/readyz</c> (with the readiness checks), <c>/metrics</c>,
/// <c>/stats</c>, and the <c>WsChat</c> Meter, all reading the same counter blocks. Disposing it disposes the
/// Meter (a host's DI container does that at shutdown).
/// </summary>
internal sealed class OperationsEndpoints : IDisposable
{
    private WsChatMeter? _meter;

    /// <summary>The Prometheus exporter, once mapped.</summary>
    public PrometheusMetrics? Prometheus { get; private set; }

    /// <summary>Maps <c>/readyz</c>, <c>/metrics</c> and <c>/stats</c> on <paramref name="server"/> and starts the Meter.</summary>
    /// <param name="server">The server (not started yet); its transport counters are read.</param>
    /// <param name="chat">The chat's counters, when the chat runs on this server.</param>
    /// <param name="stats">Where <c>/stats</c> gets rooms and connection ages, when the chat runs.</param>
    /// <param name="checks">Extra readiness conditions (storage reachable).</param>
    /// <param name="time">Clock of <c>/stats</c>' uptime and rates.</param>
    public void Map(WebSocketServer server, ChatMetrics? chat = null, IChatStatsSource? stats = null,
        IReadOnlyList<IReadinessCheck>? checks = null, TimeProvider? time = null)
    {
        if (Prometheus is not null) throw new InvalidOperationException("Mapped already.");
        var readiness = new ReadinessHandler(server, checks);
        var sources = new MetricsSources(server.Metrics, chat, () => readiness.IsReady);
        Prometheus = new PrometheusMetrics(sources);
        _meter = new WsChatMeter(sources);
        server.MapHttp("/readyz", readiness);
        server.MapHttp("/metrics", new MetricsHandler(Prometheus));
        server.MapHttp("/stats", new StatsHandler(sources, stats, time ?? TimeProvider.System));
    }

    public void Dispose() => _meter?.Dispose();
}
