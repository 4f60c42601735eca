using System.Diagnostics;

namespace WsChat.Net.Diagnostics;

/// <summary>Bucket layouts shared by the histograms, and the unit conversion they record in.</summary>
internal static class HistogramBuckets
{
    /// <summary>
    /// Latency in microseconds, 25 µs to 10 s. The design targets (docs/architecture.md) are p50 under
    /// 10 ms and p99 under 50 ms for delivery, so the buckets are dense from 0.1 ms to 100 ms.
    /// </summary>
    public static ReadOnlySpan<long> LatencyMicroseconds =>
    [
        25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 10_000_000,
    ];

    /// <summary>Storage batch sizes (messages per commit): powers of two up to 4096.</summary>
    public static ReadOnlySpan<long> BatchSize => [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

    /// <summary>Connection ages in seconds: 1 s to 1 day (for /stats).</summary>
    public static ReadOnlySpan<long> AgeSeconds => [1, 10, 60, 300, 900, 3_600, 6 * 3_600, 24 * 3_600];

    /// <summary>Microseconds elapsed since a <see cref="Stopwatch.GetTimestamp"/> value.</summary>
    public static long MicrosecondsSince(long startTimestamp) =>
        TicksToMicroseconds(Stopwatch.GetTimestamp() - startTimestamp);

    /// <summary>Converts a <see cref="Stopwatch"/> tick delta to microseconds (negative deltas clamp to 0).</summary>
    public static long TicksToMicroseconds(long ticks) =>
        ticks <= 0 ? 0 : (long)(ticks * (1_000_000.0 / Stopwatch.Frequency));
}
