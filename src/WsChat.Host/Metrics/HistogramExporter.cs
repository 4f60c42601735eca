using Prometheus;
using WsChat.Net.Diagnostics;

namespace WsChat.Host.Metrics;

/// <summary>
/// Folds a set of <see cref="FixedHistogram"/>s (one per shard, say) into one prometheus-net
/// <see cref="Histogram"/> at scrape time, by observing each bucket's growth since the last scrape.
/// </summary>
/// <remarks>
/// prometheus-net has no way to set a histogram's buckets from outside, but
/// <see cref="IHistogram.Observe(double, long)"/> takes a count, so each scrape observes the new
/// values of bucket <c>i</c> at one value inside that bucket. The value is chosen so that the
/// exported <c>_sum</c> equals the true sum of the new values: every bucket's value is interpolated
/// between its bounds by one common factor (or, when the +Inf bucket grew, the finite buckets sit at
/// their upper bounds and the +Inf bucket takes the rest). Bucket counts are exact; the sum is exact
/// up to floating-point rounding. Not thread-safe: the caller serialises scrapes.
/// </remarks>
internal sealed class HistogramExporter
{
    private readonly Histogram _histogram;
    private readonly FixedHistogram[] _sources;
    private readonly double[] _bounds;         // upper bounds in exported units
    private readonly double _divisor;
    private readonly long[] _current;
    private readonly long[] _exported;
    private long _exportedSum;

    /// <param name="histogram">The prometheus-net histogram; its buckets must be the sources' bounds divided by <paramref name="divisor"/>.</param>
    /// <param name="sources">Histograms with identical bounds, folded by addition.</param>
    /// <param name="divisor">Recorded units per exported unit (1e6: microseconds recorded, seconds exported).
    /// A divisor rather than a factor, so that 50 000 µs exports as exactly 0.05.</param>
    public HistogramExporter(Histogram histogram, IReadOnlyList<FixedHistogram> sources, double divisor)
    {
        if (sources.Count == 0) throw new ArgumentException("At least one source.", nameof(sources));
        _histogram = histogram;
        _sources = [.. sources];
        _divisor = divisor;
        ReadOnlySpan<long> bounds = _sources[0].UpperBounds;
        foreach (FixedHistogram source in _sources)
            if (!source.UpperBounds.SequenceEqual(bounds)) throw new ArgumentException("Sources must share their bounds.", nameof(sources));
        _bounds = new double[bounds.Length];
        for (int i = 0; i < bounds.Length; i++) _bounds[i] = bounds[i] / divisor;
        _current = new long[bounds.Length + 1];
        _exported = new long[bounds.Length + 1];
    }

    /// <summary>Prometheus bucket bounds for these sources (in exported units), for the histogram's configuration.</summary>
    public static double[] BucketsFor(ReadOnlySpan<long> bounds, double divisor)
    {
        var result = new double[bounds.Length];
        for (int i = 0; i < bounds.Length; i++) result[i] = bounds[i] / divisor;
        return result;
    }

    /// <summary>Observes what the sources recorded since the last call.</summary>
    public void Fold()
    {
        Array.Clear(_current);
        long sum = 0;
        foreach (FixedHistogram source in _sources) sum += source.AddTo(_current);

        int last = _bounds.Length;
        double sumDelta = (sum - _exportedSum) / _divisor;
        long infDelta = _current[last] - _exported[last];
        double lowerTotal = 0, upperTotal = 0;
        for (int i = 0; i < last; i++)
        {
            long d = _current[i] - _exported[i];
            lowerTotal += d * Lower(i);
            upperTotal += d * _bounds[i];
        }

        if (infDelta > 0)
        {
            // The finite buckets at their upper bounds; whatever is left of the sum is the +Inf values'.
            for (int i = 0; i < last; i++) Observe(_bounds[i], _current[i] - _exported[i]);
            double rest = (sumDelta - upperTotal) / infDelta;
            Observe(rest > _bounds[last - 1] ? rest : Math.BitIncrement(_bounds[last - 1]), infDelta);
        }
        else
        {
            double t = upperTotal > lowerTotal ? Math.Clamp((sumDelta - lowerTotal) / (upperTotal - lowerTotal), 0, 1) : 1;
            for (int i = 0; i < last; i++)
            {
                double lower = Lower(i);
                double value = lower + (t * (_bounds[i] - lower));
                // le is inclusive: a value equal to the lower bound belongs to the bucket below.
                if (i > 0 && value <= lower) value = Math.BitIncrement(lower);
                Observe(Math.Min(value, _bounds[i]), _current[i] - _exported[i]);
            }
        }

        Array.Copy(_current, _exported, _current.Length);
        _exportedSum = sum;
    }

    private double Lower(int bucket) => bucket == 0 ? 0 : _bounds[bucket - 1];

    private void Observe(double value, long count)
    {
        if (count > 0) _histogram.Observe(value, count);
    }
}
