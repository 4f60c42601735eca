using HdrHistogram;
using HdrHistogram.Iteration;

namespace WsChat.LoadGen.Metrics;

/// <summary>Percentiles of a latency histogram, in milliseconds.</summary>
internal sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);

    public static LatencySummary From(HistogramBase h) => h.TotalCount == 0
        ? Empty
        : new LatencySummary(h.TotalCount, Ms(h.GetValueAtPercentile(50)), Ms(h.GetValueAtPercentile(90)), Ms(h.GetValueAtPercentile(99)),
            Ms(h.GetValueAtPercentile(99.9)), Ms(h.GetMaxValue()), Math.Round(h.GetMean() / 1000.0, 3));

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <summary>A histogram as [value µs, count] pairs: how worker processes hand theirs to the coordinator.</summary>
internal static class HistogramTransfer
{
    public static long[][] ToPairs(HistogramBase h)
    {
        var pairs = new List<long[]>();
        foreach (HistogramIterationValue v in h.RecordedValues()) pairs.Add([v.ValueIteratedTo, v.CountAddedInThisIterationStep]);
        return [.. pairs];
    }

    public static void AddPairs(HistogramBase into, long[][]? pairs)
    {
        if (pairs is null) return;
        foreach (long[] p in pairs) into.RecordValueWithCount(Math.Clamp(p[0], 1, LatencyRecorder.HighestMicros), p[1]);
    }
}
