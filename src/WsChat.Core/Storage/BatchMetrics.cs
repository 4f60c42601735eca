using System.Diagnostics.Metrics;

namespace WsChat.Core.Storage;

/// <summary>
/// Storage figures as .NET metrics (meter <c>WsChat.Storage</c>), so <c>dotnet-counters</c> and the
/// host's Prometheus exporter see them without a dependency from Core on either.
/// </summary>
internal static class BatchMetrics
{
    public const string MeterName = "WsChat.Storage";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly Histogram<double> s_commitMs = s_meter.CreateHistogram<double>(
        "wschat.storage.commit.duration", "ms", "Time to commit one batch of messages");
    private static readonly Histogram<int> s_batchSize = s_meter.CreateHistogram<int>(
        "wschat.storage.batch.size", "{message}", "Messages per committed batch");
    private static readonly Counter<long> s_messages = s_meter.CreateCounter<long>(
        "wschat.storage.messages", "{message}", "Messages completed by the batch writer, by outcome");

    public static void Record(int count, TimeSpan elapsed)
    {
        s_commitMs.Record(elapsed.TotalMilliseconds);
        s_batchSize.Record(count);
    }

    public static void RecordOutcomes(long stored, long duplicates, long failed)
    {
        if (stored > 0) s_messages.Add(stored, new KeyValuePair<string, object?>("outcome", "stored"));
        if (duplicates > 0) s_messages.Add(duplicates, new KeyValuePair<string, object?>("outcome", "duplicate"));
        if (failed > 0) s_messages.Add(failed, new KeyValuePair<string, object?>("outcome", "failed"));
    }
}
