namespace WsChat.LoadGen.Metrics;

/// <summary>
/// Counters one loadgen process keeps, bumped with Interlocked from every receive loop. Rates are
/// derived by the reporter from differences between snapshots.
/// </summary>
internal sealed class NodeCounters(int rooms)
{
    public long Sent;            // messages, dms or history requests sent
    public long Acked;           // acks received
    public long Delivered;       // message/dm frames received by any connection
    public long Duplicated;      // a message id not above the connection's last one (PROTOCOL.md §4: one order)
    public long Gaps;            // ids skipped between two consecutive deliveries (informational: ids need not be dense)
    public long Responses;       // history replies
    public long HistoryMessages; // messages carried by history replies
    public long Errors;
    public long RateLimited;
    public long ConnectFailures;
    public long Disconnects;     // connections the server closed while the run expected them open
    public long CyclesDone;      // churn
    public long CyclesFailed;    // churn

    /// <summary>Acks per room: how many messages each member should have received (fanout's loss check).</summary>
    public long[] AckedPerRoom { get; } = new long[rooms];

    public LatencyRecorder Latency { get; } = new();

    /// <summary>Upgrade request to welcome (handshake and authentication).</summary>
    public LatencyRecorder Handshake { get; } = new();

    public CounterSnapshot Snapshot() => new(
        Interlocked.Read(ref Sent), Interlocked.Read(ref Acked), Interlocked.Read(ref Delivered), Interlocked.Read(ref Duplicated),
        Interlocked.Read(ref Errors), Interlocked.Read(ref RateLimited), Interlocked.Read(ref Responses), Interlocked.Read(ref CyclesDone),
        Interlocked.Read(ref CyclesFailed), Interlocked.Read(ref Disconnects));
}

/// <summary>A point-in-time copy of the counters that progress lines and ramp steps difference.</summary>
internal readonly record struct CounterSnapshot(long Sent, long Acked, long Delivered, long Duplicated, long Errors, long RateLimited,
    long Responses, long CyclesDone, long CyclesFailed, long Disconnects)
{
    public static CounterSnapshot operator -(CounterSnapshot a, CounterSnapshot b) => new(a.Sent - b.Sent, a.Acked - b.Acked,
        a.Delivered - b.Delivered, a.Duplicated - b.Duplicated, a.Errors - b.Errors, a.RateLimited - b.RateLimited,
        a.Responses - b.Responses, a.CyclesDone - b.CyclesDone, a.CyclesFailed - b.CyclesFailed, a.Disconnects - b.Disconnects);

    public static CounterSnapshot operator +(CounterSnapshot a, CounterSnapshot b) => new(a.Sent + b.Sent, a.Acked + b.Acked,
        a.Delivered + b.Delivered, a.Duplicated + b.Duplicated, a.Errors + b.Errors, a.RateLimited + b.RateLimited,
        a.Responses + b.Responses, a.CyclesDone + b.CyclesDone, a.CyclesFailed + b.CyclesFailed, a.Disconnects + b.Disconnects);
}
