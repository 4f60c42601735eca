using Prometheus;
using WsChat.Core.Diagnostics;
using WsChat.Net.Diagnostics;

namespace WsChat.Host.Metrics;

/// <summary>
/// <c>/metrics</c>: a prometheus-net registry of its own (not the process-wide default, so several
/// servers in one process, as in the tests, never mix figures) holding the wschat metrics and
/// prometheus-net's .NET and process metrics, refreshed from the counter blocks by a before-collect
/// callback, so nothing on the message path touches prometheus-net.
/// </summary>
/// <remarks>Thread-safe: scrapes are serialised by a lock around the fold.</remarks>
internal sealed class PrometheusMetrics
{
    private const double MicrosecondsPerSecond = 1e6;

    private readonly MetricsSources _sources;
    private readonly Lock _foldLock = new();

    private readonly Gauge _connections;
    private readonly Counter _opened;
    private readonly Counter.Child[] _closedByCode;
    private readonly Counter _bytesIn;
    private readonly Counter _bytesOut;
    private readonly Counter.Child[] _rejectedByStatus;
    private readonly Gauge _queueBytes;
    private readonly Counter _slowConsumers;
    private readonly Counter _headTimeoutsDeferred;
    private readonly Gauge _authenticated;
    private readonly Gauge _users;
    private readonly Gauge _rooms;
    private readonly Gauge _members;
    private readonly Counter.Child[] _receivedByType;
    private readonly Counter _roomMessages;
    private readonly Counter _directMessages;
    private readonly Counter _deliveries;
    private readonly Counter.Child[] _errorsByCode;
    private readonly Counter.Child[] _rateLimitedByBucket;
    private readonly Counter _floodCloses;
    private readonly Counter.Child[] _authFailuresByReason;
    private readonly Gauge.Child[] _queueDepthByShard;
    private readonly Counter _storedMessages;
    private readonly Counter _failedBatches;
    private readonly Gauge _storagePending;
    private readonly Gauge _ready;
    private readonly HistogramExporter _latency;
    private readonly HistogramExporter _batchSize;
    private readonly HistogramExporter _commitLatency;
    private readonly Backplane.BackplanePrometheus? _backplane;     // with Redis only (issue 8)

    public PrometheusMetrics(MetricsSources sources)
    {
        _sources = sources;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        // GC counts, heap size, allocation, thread pool, CPU, memory, open handles, start time.
        DotNetStats.Register(Registry);
        MetricFactory f = Prometheus.Metrics.WithCustomRegistry(Registry);
        ChatMetrics chat = sources.Chat;

        _connections = f.CreateGauge(MetricNames.Connections, "Open WebSocket connections.");
        _opened = f.CreateCounter(MetricNames.ConnectionsOpened, "WebSocket upgrades completed.");
        _closedByCode = Children(f.CreateCounter(MetricNames.ConnectionsClosed,
            "WebSocket connections closed, by close code (1006: ended without a close handshake).", "code"), TransportMetrics.CloseCodeLabels);
        _bytesIn = f.CreateCounter(MetricNames.BytesReceived, "Bytes read from client sockets.");
        _bytesOut = f.CreateCounter(MetricNames.BytesSent, "Bytes written to client sockets.");
        _rejectedByStatus = Children(f.CreateCounter(MetricNames.HandshakeRejections,
            "Requests answered with an HTTP error instead of an upgrade or a response, by status.", "status"), TransportMetrics.RejectionStatusLabels);
        _queueBytes = f.CreateGauge(MetricNames.OutboundQueueBytes, "Bytes waiting in all outbound queues.");
        _slowConsumers = f.CreateCounter(MetricNames.SlowConsumerCloses, "Connections closed (1008) because their outbound queue passed its bound.");
        _headTimeoutsDeferred = f.CreateCounter(MetricNames.HeadTimeoutsDeferred,
            "Request-head deadlines moved on because the whole head was already waiting unread (the server was behind, not the client).");
        _authenticated = f.CreateGauge(MetricNames.AuthenticatedConnections, "Authenticated chat connections.");
        _users = f.CreateGauge(MetricNames.Users, "Users with at least one authenticated connection.");
        _rooms = f.CreateGauge(MetricNames.Rooms, "Rooms that exist.");
        _members = f.CreateGauge(MetricNames.RoomMembers, "Room memberships (a connection in a room).");
        _receivedByType = Children(f.CreateCounter(MetricNames.MessagesReceived, "Client messages received, by type.", "type"), ChatErrorLabels.MessageTypes);
        _roomMessages = f.CreateCounter(MetricNames.RoomMessages, "Room messages fanned out.");
        _directMessages = f.CreateCounter(MetricNames.DirectMessages, "Direct messages sent.");
        _deliveries = f.CreateCounter(MetricNames.Deliveries, "Frames queued to connections (one per recipient).");
        _errorsByCode = Children(f.CreateCounter(MetricNames.Errors, "error messages sent, by code.", "code"), ChatErrorLabels.ErrorCodes);
        _rateLimitedByBucket = Children(f.CreateCounter(MetricNames.RateLimited, "Commands refused by a token bucket, by bucket.", "bucket"), ChatErrorLabels.RateLimitBuckets);
        _floodCloses = f.CreateCounter(MetricNames.FloodCloses, "Connections closed (1008) for flooding after rate_limited.");
        _authFailuresByReason = Children(f.CreateCounter(MetricNames.AuthFailures, "Authentication failures, by reason.", "reason"), ChatErrorLabels.AuthFailureReasons);
        Gauge queueDepth = f.CreateGauge(MetricNames.ShardQueueDepth, "Commands waiting in a shard's queue.", "shard");
        _queueDepthByShard = [.. chat.Shards.Select(s => queueDepth.WithLabels(s.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)))];
        _storedMessages = f.CreateCounter(MetricNames.StorageMessages, "Messages committed to storage.");
        _failedBatches = f.CreateCounter(MetricNames.StorageFailedBatches, "Storage batches that failed to commit.");
        _storagePending = f.CreateGauge(MetricNames.StoragePending, "Messages submitted to storage and not yet committed.");
        _ready = f.CreateGauge(MetricNames.Ready, "1 while /readyz answers 200, else 0.");

        _latency = Exporter(f, MetricNames.MessageLatency, "Time from a message's receipt to its frame queued to the last member of the room.",
            [.. chat.Shards.Select(s => s.DeliveryLatency)], MicrosecondsPerSecond);
        _batchSize = Exporter(f, MetricNames.StorageBatchSize, "Messages per storage commit.", [chat.Storage.BatchSize], 1);
        _commitLatency = Exporter(f, MetricNames.StorageCommitLatency, "Storage commit duration.", [chat.Storage.CommitLatency], MicrosecondsPerSecond);

        if (chat.Backplane is { } backplane) _backplane = new Backplane.BackplanePrometheus(f, backplane);
        Registry.AddBeforeCollectCallback(Fold);
    }

    /// <summary>The registry (for tests that read a value directly).</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Writes the exposition text (format 0.0.4) into <paramref name="destination"/>.</summary>
    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
        Registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    /// <summary>The Content-Type of <see cref="WriteAsync"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private void Fold()
    {
        lock (_foldLock)
        {
            TransportMetrics t = _sources.Transport;
            ChatMetrics c = _sources.Chat;
            _connections.Set(t.ConnectionsCurrent);
            _opened.IncTo(t.ConnectionsOpened);
            for (int i = 0; i < _closedByCode.Length; i++) _closedByCode[i].IncTo(t.ClosedByCode(i));
            _bytesIn.IncTo(t.BytesReceivedTotal);
            _bytesOut.IncTo(t.BytesSentTotal);
            for (int i = 0; i < _rejectedByStatus.Length; i++) _rejectedByStatus[i].IncTo(t.RejectedByStatus(i));
            _queueBytes.Set(t.OutboundQueueBytes);
            _slowConsumers.IncTo(t.SlowConsumerCloses);
            _headTimeoutsDeferred.IncTo(t.HeadTimeoutsDeferredTotal);

            _authenticated.Set(c.AuthenticatedConnections);
            _users.Set(c.Users);
            _rooms.Set(c.SumShards(s => s.Rooms));
            _members.Set(c.SumShards(s => s.RoomMembers));
            for (int i = 0; i < _receivedByType.Length; i++) _receivedByType[i].IncTo(c.MessagesReceived((ReceivedMessageType)i));
            _roomMessages.IncTo(c.SumShards(s => s.RoomMessages));
            _directMessages.IncTo(c.SumShards(s => s.DirectMessages));
            _deliveries.IncTo(c.SumShards(s => s.Deliveries));
            for (int i = 0; i < _errorsByCode.Length; i++) _errorsByCode[i].IncTo(c.Errors(i));
            for (int i = 0; i < _rateLimitedByBucket.Length; i++) _rateLimitedByBucket[i].IncTo(c.RateLimitedTotal((RateLimitBucket)i));
            _floodCloses.IncTo(c.FloodCloses);
            for (int i = 0; i < _authFailuresByReason.Length; i++) _authFailuresByReason[i].IncTo(c.AuthFailures(i));
            for (int i = 0; i < _queueDepthByShard.Length; i++) _queueDepthByShard[i].Set(c.Shards[i].QueueDepth);
            _storedMessages.IncTo(c.Storage.MessagesStored);
            _failedBatches.IncTo(c.Storage.FailedBatches);
            _storagePending.Set(c.Storage.Pending);
            _ready.Set(_sources.IsReady() ? 1 : 0);
            _latency.Fold();
            _batchSize.Fold();
            _commitLatency.Fold();
            _backplane?.Fold();
        }
    }

    private static Counter.Child[] Children(Counter counter, IReadOnlyList<string> labels) =>
        [.. labels.Select(l => counter.WithLabels(l))];

    private static HistogramExporter Exporter(MetricFactory f, string name, string help, FixedHistogram[] sources, double divisor)
    {
        Histogram histogram = f.CreateHistogram(name, help, new HistogramConfiguration
        {
            Buckets = HistogramExporter.BucketsFor(sources[0].UpperBounds, divisor),
        });
        return new HistogramExporter(histogram, sources, divisor);
    }
}
