using WsChat.LoadGen.Metrics;

namespace WsChat.LoadGen.Workers;

/// <summary>What a node tells the coordinator once its connections are open.</summary>
internal sealed record SetupReport(int Attempted, int Opened, int Failed, double Seconds, long[][] Handshake, Dictionary<string, int> FailureReasons);

/// <summary>Cumulative counters and the latencies recorded since the previous report.</summary>
internal sealed record IntervalReport(CounterSnapshot Counters, long[][] Latency, int InFlightCycles);

/// <summary>After the drain: what each connection received against what was acked, and the churn figures.</summary>
internal sealed record FinishReport(
    CounterSnapshot Counters,
    long[] AckedPerRoom,
    long[] MembersPerRoom,
    long[] ReceivedPerRoom,
    long DmExpected,
    long DmReceived,
    long Gaps,
    long HistoryMessages,
    long[][] Latency,
    long[][] Handshake,
    Dictionary<string, int> FailureReasons);
