using System.Diagnostics.Metrics;
using WsChat.Core.Diagnostics;
using WsChat.Net.Diagnostics;

namespace WsChat.Host.Metrics;

/// <summary>
/// The same figures as <c>/metrics</c>, as <see cref="System.Diagnostics.Metrics"/> instruments of the
/// Meter <c>WsChat</c>, so that <c>dotnet-counters monitor -n wschat --counters WsChat</c> (or any
/// MeterListener, OpenTelemetry included) sees them live. Every instrument is observable: it reads the
/// counter blocks when a listener asks, so the message path pays nothing for it.
/// </summary>
/// <remarks>
/// Histograms become two observable counters (<c>.count</c>, <c>.sum</c>: a listener's rate of each
/// gives the mean) and p50/p99 gauges over the interval since the previous read of that gauge.
/// Disposing the object disposes the Meter (instruments stop reporting).
/// </remarks>
internal sealed class WsChatMeter : IDisposable
{
    private readonly MetricsSources _sources;
    private readonly IntervalQuantiles _latency;

    public WsChatMeter(MetricsSources sources)
    {
        _sources = sources;
        Meter = new Meter(MetricNames.MeterName, typeof(WsChatMeter).Assembly.GetName().Version?.ToString());
        TransportMetrics t = sources.Transport;
        ChatMetrics c = sources.Chat;
        _latency = new IntervalQuantiles([.. c.Shards.Select(s => s.DeliveryLatency)]);

        Meter.CreateObservableUpDownCounter("wschat.connections", () => t.ConnectionsCurrent, "{connection}", "Open WebSocket connections.");
        Meter.CreateObservableCounter("wschat.connections.opened", () => t.ConnectionsOpened, "{connection}", "WebSocket upgrades completed.");
        Meter.CreateObservableCounter("wschat.connections.closed", () => Labelled(TransportMetrics.CloseCodeLabels, "code", t.ClosedByCode), "{connection}",
            "WebSocket connections closed, by close code.");
        Meter.CreateObservableCounter("wschat.bytes.received", () => t.BytesReceivedTotal, "By", "Bytes read from client sockets.");
        Meter.CreateObservableCounter("wschat.bytes.sent", () => t.BytesSentTotal, "By", "Bytes written to client sockets.");
        Meter.CreateObservableCounter("wschat.handshake.rejections", () => Labelled(TransportMetrics.RejectionStatusLabels, "status", t.RejectedByStatus), "{request}",
            "Requests answered with an HTTP error, by status.");
        Meter.CreateObservableUpDownCounter("wschat.outbound_queue.bytes", () => t.OutboundQueueBytes, "By", "Bytes waiting in all outbound queues.");
        Meter.CreateObservableCounter("wschat.slow_consumer.closes", () => t.SlowConsumerCloses, "{connection}", "Slow-consumer closes (1008).");
        Meter.CreateObservableCounter("wschat.head_timeouts.deferred", () => t.HeadTimeoutsDeferredTotal, "{connection}",
            "Request-head deadlines moved on because the head was waiting unread.");

        Meter.CreateObservableUpDownCounter("wschat.authenticated_connections", () => c.AuthenticatedConnections, "{connection}", "Authenticated chat connections.");
        Meter.CreateObservableUpDownCounter("wschat.users", () => c.Users, "{user}", "Users with at least one connection.");
        Meter.CreateObservableUpDownCounter("wschat.rooms", () => c.SumShards(s => s.Rooms), "{room}", "Rooms that exist.");
        Meter.CreateObservableUpDownCounter("wschat.room_members", () => c.SumShards(s => s.RoomMembers), "{membership}", "Room memberships.");
        Meter.CreateObservableCounter("wschat.messages.received", () => Labelled(ChatErrorLabels.MessageTypes, "type", i => c.MessagesReceived((ReceivedMessageType)i)), "{message}",
            "Client messages received, by type.");
        Meter.CreateObservableCounter("wschat.room_messages", () => c.SumShards(s => s.RoomMessages), "{message}", "Room messages fanned out.");
        Meter.CreateObservableCounter("wschat.direct_messages", () => c.SumShards(s => s.DirectMessages), "{message}", "Direct messages sent.");
        Meter.CreateObservableCounter("wschat.deliveries", () => c.SumShards(s => s.Deliveries), "{frame}", "Frames queued to connections.");
        Meter.CreateObservableCounter("wschat.errors", () => Labelled(ChatErrorLabels.ErrorCodes, "code", c.Errors), "{message}", "error messages sent, by code.");
        Meter.CreateObservableCounter("wschat.rate_limited", () => Labelled(ChatErrorLabels.RateLimitBuckets, "bucket", i => c.RateLimitedTotal((RateLimitBucket)i)), "{command}",
            "Commands refused by a token bucket.");
        Meter.CreateObservableCounter("wschat.flood.closes", () => c.FloodCloses, "{connection}", "Flood closes (1008).");
        Meter.CreateObservableCounter("wschat.auth.failures", () => Labelled(ChatErrorLabels.AuthFailureReasons, "reason", i => c.AuthFailures(i)), "{failure}",
            "Authentication failures, by reason.");
        Meter.CreateObservableGauge("wschat.shard.queue_depth", () => Labelled(c.Shards.Select(s => s.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), "shard", i => c.Shards[i].QueueDepth),
            "{command}", "Commands waiting in each shard's queue.");
        Meter.CreateObservableCounter("wschat.message.latency.count", () => c.SumShards(s => s.DeliveryLatency.Count), "{message}", "Room messages timed.");
        Meter.CreateObservableCounter("wschat.message.latency.sum", () => SumMicroseconds([.. c.Shards.Select(s => s.DeliveryLatency)]), "us", "Sum of their latencies.");
        Meter.CreateObservableGauge("wschat.message.latency.p50", () => _latency.Read(0.50), "us", "Median receipt-to-last-member latency since the previous read.");
        Meter.CreateObservableGauge("wschat.message.latency.p99", () => _latency.Read(0.99), "us", "99th percentile of the same.");
        Meter.CreateObservableCounter("wschat.storage.messages", () => c.Storage.MessagesStored, "{message}", "Messages committed to storage.");
        Meter.CreateObservableCounter("wschat.storage.failed_batches", () => c.Storage.FailedBatches, "{batch}", "Failed storage commits.");
        Meter.CreateObservableUpDownCounter("wschat.storage.pending", () => c.Storage.Pending, "{message}", "Messages waiting for their commit.");
        Meter.CreateObservableCounter("wschat.storage.batches", () => c.Storage.BatchSize.Count, "{batch}", "Storage commits.");
        Meter.CreateObservableCounter("wschat.storage.commit.sum", () => SumMicroseconds([c.Storage.CommitLatency]), "us", "Total time spent committing.");
        Meter.CreateObservableGauge("wschat.ready", () => _sources.IsReady() ? 1 : 0, null, "1 while /readyz answers 200.");
    }

    /// <summary>The Meter (for tests that listen to it).</summary>
    public Meter Meter { get; }

    public void Dispose() => Meter.Dispose();

    private static Measurement<long>[] Labelled(IReadOnlyList<string> labels, string tag, Func<int, long> read)
    {
        var result = new Measurement<long>[labels.Count];
        for (int i = 0; i < result.Length; i++) result[i] = new Measurement<long>(read(i), new KeyValuePair<string, object?>(tag, labels[i]));
        return result;
    }

    private static long SumMicroseconds(FixedHistogram[] histograms)
    {
        long sum = 0;
        Span<long> scratch = stackalloc long[histograms[0].BucketCount];
        foreach (FixedHistogram h in histograms) sum += h.AddTo(scratch);
        return sum;
    }

    /// <summary>Quantiles over the values recorded between two reads.</summary>
    private sealed class IntervalQuantiles(FixedHistogram[] sources)
    {
        private readonly Lock _lock = new();
        private readonly long[] _previous = new long[sources[0].BucketCount];
        private readonly long[] _current = new long[sources[0].BucketCount];
        private readonly long[] _delta = new long[sources[0].BucketCount];
        private readonly Dictionary<double, double> _lastByQuantile = [];
        private long _lastReadTimestamp;

        public double Read(double q)
        {
            lock (_lock)
            {
                // All quantiles read within one listener pass share one interval: refresh at most every 500 ms.
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                if (_lastReadTimestamp == 0 || System.Diagnostics.Stopwatch.GetElapsedTime(_lastReadTimestamp, now) > TimeSpan.FromMilliseconds(500))
                {
                    Array.Clear(_current);
                    foreach (FixedHistogram h in sources) h.AddTo(_current);
                    for (int i = 0; i < _delta.Length; i++) _delta[i] = _current[i] - _previous[i];
                    Array.Copy(_current, _previous, _current.Length);
                    _lastByQuantile.Clear();
                    _lastReadTimestamp = now;
                }

                if (!_lastByQuantile.TryGetValue(q, out double value))
                {
                    value = HistogramQuantiles.Estimate(_delta, sources[0].UpperBounds, q);
                    _lastByQuantile[q] = value;
                }

                return value;
            }
        }
    }
}
