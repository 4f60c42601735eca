namespace WsChat.Host.Metrics;

/// <summary>
/// The name of every wschat metric, defined once: the Prometheus names (snake_case, unit suffixes,
/// <c>_total</c> on counters) and the instrument names of the <c>WsChat</c> Meter (dotted, as
/// dotnet-counters lists them). docs/operations.md and docs/grafana-dashboard.json use these names.
/// </summary>
internal static class MetricNames
{
    public const string Connections = "wschat_connections";
    public const string ConnectionsOpened = "wschat_connections_opened_total";
    public const string ConnectionsClosed = "wschat_connections_closed_total";
    public const string BytesReceived = "wschat_bytes_received_total";
    public const string BytesSent = "wschat_bytes_sent_total";
    public const string HandshakeRejections = "wschat_handshake_rejections_total";
    public const string OutboundQueueBytes = "wschat_outbound_queue_bytes";
    public const string SlowConsumerCloses = "wschat_slow_consumer_closes_total";
    public const string HeadTimeoutsDeferred = "wschat_head_timeouts_deferred_total";
    public const string AuthenticatedConnections = "wschat_authenticated_connections";
    public const string Users = "wschat_users";
    public const string Rooms = "wschat_rooms";
    public const string RoomMembers = "wschat_room_members";
    public const string MessagesReceived = "wschat_messages_received_total";
    public const string RoomMessages = "wschat_room_messages_total";
    public const string DirectMessages = "wschat_direct_messages_total";
    public const string Deliveries = "wschat_deliveries_total";
    public const string Errors = "wschat_errors_total";
    public const string RateLimited = "wschat_rate_limited_total";
    public const string FloodCloses = "wschat_flood_closes_total";
    public const string AuthFailures = "wschat_auth_failures_total";
    public const string ShardQueueDepth = "wschat_shard_queue_depth";
    public const string MessageLatency = "wschat_message_latency_seconds";
    public const string StorageBatchSize = "wschat_storage_batch_size";
    public const string StorageCommitLatency = "wschat_storage_commit_seconds";
    public const string StorageMessages = "wschat_storage_messages_total";
    public const string StoragePending = "wschat_storage_pending";
    public const string StorageFailedBatches = "wschat_storage_failed_batches_total";
    public const string Ready = "wschat_ready";

    /// <summary>The Meter's name: <c>dotnet-counters monitor -n wschat --counters WsChat</c>.</summary>
    public const string MeterName = "WsChat";
}
