using WsChat.LoadGen.Metrics;

namespace WsChat.LoadGen.Reporting;

/// <summary>The JSON result of one run (<c>--json</c>); docs/benchmarks.md tables are made from these.</summary>
internal sealed record RunResult
{
    public required string Scenario { get; init; }
    public string? Label { get; init; }
    public required string Url { get; init; }
    public required DateTime StartedUtc { get; init; }
    public required RunSettings Settings { get; init; }
    public required ConnectResult Connect { get; init; }
    public ServerResult? Server { get; init; }
    public List<StepResult> Steps { get; init; } = [];

    /// <summary>The step with the most deliveries/s whose p99 stayed under the ramp's limit.</summary>
    public StepResult? Best { get; init; }
    public LatencySummary Latency { get; init; } = LatencySummary.Empty;
    public DeliveryResult? Delivery { get; init; }
    public ChurnResult? Churn { get; init; }
    public HistoryResult? History { get; init; }
    public long Disconnects { get; init; }
    public long Errors { get; init; }
    public long RateLimited { get; init; }
    public Dictionary<string, int> Failures { get; init; } = [];
    public List<TimelinePoint> Timeline { get; init; } = [];
}

internal sealed record RunSettings(int Connections, int Rooms, int Senders, double Rate, string? Ramp, double DurationSeconds,
    double WarmupSeconds, int MessageSize, int Workers, int SourceAddresses, string Client);

internal sealed record ConnectResult(int Attempted, int Opened, int Failed, double Seconds, double PerSecond, LatencySummary Handshake);

internal sealed record ServerResult(
    long RssBaselineKb,
    long RssConnectedKb,
    long RssEndKb,
    long RssAnonBaselineKb,
    long RssAnonConnectedKb,
    double RssGrowthBytesPerConnection,
    double RssAnonGrowthBytesPerConnection,
    double CpuPercentMeasured,
    double CpuPercentPer1000Connections,
    double CpuSecondsMeasured,
    int Threads);

internal sealed record StepResult(
    double TargetRate,
    double Seconds,
    double SentPerSecond,
    double AckedPerSecond,
    double DeliveriesPerSecond,
    LatencySummary Latency,
    double? ServerCpuPercent,
    double? ServerCpuMicrosPerDelivery,
    long Errors,
    long RateLimited,
    double? LoadgenCpuMicrosPerDelivery = null);

internal sealed record DeliveryResult(long Expected, long Received, long Lost, long Duplicated, long Gaps);

internal sealed record ChurnResult(long Cycles, long Failed, double CyclesPerSecond, LatencySummary Handshake, long RssBeforeKb, long RssAfterKb, double RssChangePercent);

internal sealed record HistoryResult(long Responses, double ResponsesPerSecond, long MessagesRead);

internal sealed record TimelinePoint(double Seconds, double SentPerSecond, double DeliveriesPerSecond, double P50Ms, double P99Ms, long? RssKb, double? CpuPercent, int Connections);
