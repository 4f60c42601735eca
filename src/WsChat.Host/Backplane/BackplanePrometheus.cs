using Prometheus;
using WsChat.Core.Backplane;

namespace WsChat.Host.Backplane;

/// <summary>The scale-out series on <c>/metrics</c>, present only on a node with Redis configured.</summary>
internal sealed class BackplanePrometheus
{
    private readonly BackplaneMetrics _source;
    private readonly Gauge _connected;
    private readonly Counter _published;
    private readonly Counter _received;
    private readonly Counter _idFailures;
    private readonly Counter _gapFills;
    private readonly Counter _skipped;
    private readonly Counter _reconnects;
    private readonly Counter _localAdmissions;
    private readonly Counter _clusterRateLimited;

    public BackplanePrometheus(MetricFactory f, BackplaneMetrics source)
    {
        _source = source;
        _connected = f.CreateGauge("wschat_backplane_connected", "1 while this node reaches Redis, else 0 (room messages and DMs are refused meanwhile).");
        _published = f.CreateCounter("wschat_backplane_published_total", "Messages this node published to Redis.");
        _received = f.CreateCounter("wschat_backplane_received_total", "Messages received from other nodes.");
        _idFailures = f.CreateCounter("wschat_backplane_id_failures_total", "Messages and DMs refused with server_busy: no id from Redis.");
        _gapFills = f.CreateCounter("wschat_backplane_gap_fills_total", "Storage reads that filled a gap in a room's ids or caught up after a reconnect.");
        _skipped = f.CreateCounter("wschat_backplane_skipped_ids_total", "Room ids given up because they never reached storage.");
        _reconnects = f.CreateCounter("wschat_backplane_reconnects_total", "Reconnections to Redis.");
        _localAdmissions = f.CreateCounter("wschat_backplane_local_admissions_total",
            "Connections admitted against this node's connections-per-user count only: Redis was unreachable.");
        _clusterRateLimited = f.CreateCounter("wschat_backplane_rate_limited_total",
            "Times the cluster-wide bucket of a user connected to several nodes ran empty.");
    }

    public void Fold()
    {
        _connected.Set(_source.Connected?.Invoke() == true ? 1 : 0);
        _published.IncTo(_source.Published);
        _received.IncTo(_source.Received);
        _idFailures.IncTo(_source.IdFailures);
        _gapFills.IncTo(_source.GapFills);
        _skipped.IncTo(_source.SkippedIds);
        _reconnects.IncTo(_source.Reconnects);
        _localAdmissions.IncTo(_source.LocalAdmissions);
        _clusterRateLimited.IncTo(_source.ClusterRateLimited);
    }
}
