namespace WsChat.Host.Metrics;

/// <summary>Quantile estimates from fixed buckets, the way PromQL's <c>histogram_quantile</c> does it:
/// find the bucket holding the rank, interpolate linearly inside it.</summary>
internal static class HistogramQuantiles
{
    /// <summary>
    /// Estimates quantile <paramref name="q"/> (0..1) from per-bucket counts (not cumulative; the last
    /// one is +Inf) and inclusive upper bounds. Returns 0 when there are no values, and the last finite
    /// bound when the rank falls in +Inf (nothing better is known).
    /// </summary>
    public static double Estimate(ReadOnlySpan<long> counts, ReadOnlySpan<long> bounds, double q)
    {
        if (counts.Length != bounds.Length + 1) throw new ArgumentException("One count per bound plus +Inf.", nameof(counts));
        if (q is < 0 or > 1 || double.IsNaN(q)) throw new ArgumentOutOfRangeException(nameof(q));
        long total = 0;
        foreach (long c in counts) total += c;
        if (total == 0) return 0;

        double rank = q * total;
        long cumulative = 0;
        for (int i = 0; i < bounds.Length; i++)
        {
            long before = cumulative;
            cumulative += counts[i];
            if (cumulative >= rank && counts[i] > 0)
            {
                double lower = i == 0 ? 0 : bounds[i - 1];
                return lower + ((bounds[i] - lower) * ((rank - before) / counts[i]));
            }
        }

        return bounds[^1];
    }
}
