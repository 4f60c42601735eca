namespace WsChat.Core.Backplane;

/// <summary>Scale-out counters, read by the Host at scrape time. Thread-safe (interlocked; none is on the
/// single-node path).</summary>
internal sealed class BackplaneMetrics
{
    private long _published;
    private long _received;
    private long _idFailures;
    private long _gapFills;
    private long _skippedIds;
    private long _reconnects;
    private long _localAdmissions;
    private long _clusterRateLimited;

    /// <summary>Messages published by this node.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Messages received from other nodes.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages and DMs refused with server_busy because no id could be had (backplane down).</summary>
    public long IdFailures => Interlocked.Read(ref _idFailures);

    /// <summary>Storage reads that filled a gap in a room's ids (or caught up after a reconnect).</summary>
    public long GapFills => Interlocked.Read(ref _gapFills);

    /// <summary>Ids given up because they never committed.</summary>
    public long SkippedIds => Interlocked.Read(ref _skippedIds);

    /// <summary>Reconnections to the backplane.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Connections admitted against this node's count only, because the backplane was unreachable.</summary>
    public long LocalAdmissions => Interlocked.Read(ref _localAdmissions);

    /// <summary>Times the cluster-wide bucket of a user on several nodes ran empty (the node then refuses the user for a while).</summary>
    public long ClusterRateLimited => Interlocked.Read(ref _clusterRateLimited);

    /// <summary>Whether the backplane is reachable (set by the Host), for the <c>wschat_backplane_connected</c> gauge.</summary>
    public Func<bool>? Connected { get; set; }

    public void OnPublished() => Interlocked.Increment(ref _published);

    public void OnReceived() => Interlocked.Increment(ref _received);

    public void OnIdFailure() => Interlocked.Increment(ref _idFailures);

    public void OnGapFill() => Interlocked.Increment(ref _gapFills);

    public void OnSkipped(long count) => Interlocked.Add(ref _skippedIds, count);

    public void OnReconnect() => Interlocked.Increment(ref _reconnects);

    public void OnLocalAdmission() => Interlocked.Increment(ref _localAdmissions);

    public void OnClusterRateLimited() => Interlocked.Increment(ref _clusterRateLimited);
}
