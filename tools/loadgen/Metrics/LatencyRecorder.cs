using System.Diagnostics;
using HdrHistogram;

namespace WsChat.LoadGen.Metrics;

/// <summary>
/// Latencies in microseconds (1 µs .. 1 h, 3 significant digits), recorded wait-free from any thread
/// (HdrHistogram's <see cref="Recorder"/>), read as interval histograms by the one reporting thread.
/// </summary>
internal sealed class LatencyRecorder
{
    public const long HighestMicros = 3_600_000_000;
    private static readonly double s_microsPerTick = 1_000_000.0 / Stopwatch.Frequency;
    private readonly Recorder _recorder = HistogramFactory.With64BitBucketSize()
        .WithValuesFrom(1).WithValuesUpTo(HighestMicros).WithPrecisionOf(3)
        .WithThreadSafeWrites().WithThreadSafeReads().Create();

    public static LongHistogram NewHistogram() => new(HighestMicros, 3);

    /// <summary>Records the time from <paramref name="startTimestamp"/> (Stopwatch ticks, any process on this machine) to now.</summary>
    public void RecordSince(long startTimestamp)
    {
        long micros = (long)((Stopwatch.GetTimestamp() - startTimestamp) * s_microsPerTick);
        _recorder.RecordValue(Math.Clamp(micros, 1, HighestMicros));
    }

    /// <summary>Everything recorded since the previous call (single reader).</summary>
    public HistogramBase TakeInterval() => _recorder.GetIntervalHistogram();
}
