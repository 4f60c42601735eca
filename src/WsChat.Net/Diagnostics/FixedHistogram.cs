using System.Diagnostics;

namespace WsChat.Net.Diagnostics;

/// <summary>
/// A histogram with fixed, inclusive upper bounds (Prometheus <c>le</c> semantics) kept as plain
/// longs: recording is a short scan and two adds, never an allocation; readers fold the buckets at
/// scrape time.
/// </summary>
/// <remarks>
/// Bucket <c>i</c> counts values <c>v</c> with <c>bounds[i-1] &lt; v &lt;= bounds[i]</c>; the last
/// bucket (past the last bound) is the <c>+Inf</c> overflow. <see cref="Record"/> is for a single
/// owner thread (plain stores, like <see cref="CounterBlock"/>); <see cref="RecordShared"/> uses
/// interlocked adds for a histogram written by several threads (storage commits, not per message).
/// A reader may see a bucket incremented before the sum (or the reverse) for an instant; the next
/// scrape is consistent again.
/// </remarks>
internal sealed class FixedHistogram
{
    private readonly long[] _bounds;
    // [pad][bucket 0 .. bucket n (+Inf)][sum][pad]
    private readonly long[] _cells;
    private readonly int _sumIndex;

    /// <param name="upperBounds">Strictly increasing inclusive upper bounds; at most 64 of them.</param>
    public FixedHistogram(ReadOnlySpan<long> upperBounds)
    {
        if (upperBounds.IsEmpty || upperBounds.Length > 64) throw new ArgumentOutOfRangeException(nameof(upperBounds), "1 to 64 bounds.");
        for (int i = 1; i < upperBounds.Length; i++)
            if (upperBounds[i] <= upperBounds[i - 1]) throw new ArgumentException("Bounds must be strictly increasing.", nameof(upperBounds));
        _bounds = upperBounds.ToArray();
        _sumIndex = StripedCounters.LongsPerPad + _bounds.Length + 1;
        _cells = new long[_sumIndex + 1 + StripedCounters.LongsPerPad];
    }

    /// <summary>The inclusive upper bounds, without the implicit +Inf.</summary>
    public ReadOnlySpan<long> UpperBounds => _bounds;

    /// <summary>Number of buckets: one per bound plus the +Inf overflow.</summary>
    public int BucketCount => _bounds.Length + 1;

    /// <summary>Records one value. Owner thread only; allocation-free.</summary>
    public void Record(long value)
    {
        ref long bucket = ref _cells[StripedCounters.LongsPerPad + BucketOf(value)];
        Volatile.Write(ref bucket, bucket + 1);
        ref long sum = ref _cells[_sumIndex];
        Volatile.Write(ref sum, sum + value);
    }

    /// <summary>Records one value from any thread (interlocked). Allocation-free.</summary>
    public void RecordShared(long value)
    {
        Interlocked.Increment(ref _cells[StripedCounters.LongsPerPad + BucketOf(value)]);
        Interlocked.Add(ref _cells[_sumIndex], value);
    }

    /// <summary>Adds this histogram's per-bucket counts (not cumulative) into <paramref name="buckets"/>
    /// and returns the sum of recorded values. Any thread.</summary>
    public long AddTo(Span<long> buckets)
    {
        if (buckets.Length != BucketCount) throw new ArgumentException("One slot per bucket, +Inf included.", nameof(buckets));
        for (int i = 0; i < buckets.Length; i++)
            buckets[i] += Volatile.Read(ref _cells[StripedCounters.LongsPerPad + i]);
        return Volatile.Read(ref _cells[_sumIndex]);
    }

    /// <summary>Number of values recorded. Any thread.</summary>
    public long Count
    {
        get
        {
            long count = 0;
            for (int i = 0; i <= _bounds.Length; i++) count += Volatile.Read(ref _cells[StripedCounters.LongsPerPad + i]);
            return count;
        }
    }

    private int BucketOf(long value)
    {
        // A linear scan: at most a few dozen bounds, and most values land in the first few buckets.
        long[] bounds = _bounds;
        int i = 0;
        while (i < bounds.Length && value > bounds[i]) i++;
        Debug.Assert(i <= bounds.Length);
        return i;
    }
}
