using System.Diagnostics;
using System.Numerics;

namespace WsChat.Net.Diagnostics;

/// <summary>
/// A block of 64-bit counters written by many threads without locks and without false sharing:
/// one stripe of counters per processor, each stripe on cache lines of its own, folded (summed)
/// only when somebody reads them (a scrape).
/// </summary>
/// <remarks>
/// A writer picks its stripe by <see cref="Thread.GetCurrentProcessorId"/> (a cached, cheap call),
/// so on a 2-core machine the two cores write disjoint lines. A thread can migrate between reading
/// the processor id and writing, and two threads can share a stripe, so writes use
/// <see cref="Interlocked.Add(ref long, long)"/>: uncontended, it costs a few nanoseconds and never
/// allocates. Counters may also go down (a gauge kept as increments and decrements): the sum is
/// right even though a single stripe can be negative.
/// <para>Reads sum the stripes one after another, so a read concurrent with writes sees each
/// stripe at a slightly different moment; a monotonic counter still never goes backwards between
/// two reads made one after the other.</para>
/// </remarks>
internal sealed class StripedCounters
{
    // 128 bytes: Intel's adjacent-line prefetcher pulls cache lines in pairs, so a stripe padded to
    // one 64-byte line would still ping-pong with its neighbour's.
    internal const int LongsPerPad = 16;

    private readonly long[] _cells;
    private readonly int _stride;
    private readonly int _mask;

    /// <param name="counterCount">Number of counters in the block (indices 0..count-1).</param>
    /// <param name="stripes">Number of stripes; 0 = the processor count. Rounded up to a power of two.</param>
    public StripedCounters(int counterCount, int stripes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(counterCount);
        ArgumentOutOfRangeException.ThrowIfNegative(stripes);
        int count = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, stripes == 0 ? Environment.ProcessorCount : stripes));
        CounterCount = counterCount;
        StripeCount = count;
        _mask = count - 1;
        _stride = (counterCount + LongsPerPad - 1) / LongsPerPad * LongsPerPad;
        // One pad in front so stripe 0 does not share a line with the array header or a neighbour object.
        _cells = new long[LongsPerPad + (count * _stride) + LongsPerPad];
    }

    /// <summary>Number of counters in the block.</summary>
    public int CounterCount { get; }

    /// <summary>Number of stripes (a power of two).</summary>
    public int StripeCount { get; }

    /// <summary>Adds <paramref name="value"/> (may be negative) to a counter. Thread-safe, lock-free, allocation-free.</summary>
    public void Add(int counter, long value)
    {
        Debug.Assert((uint)counter < (uint)CounterCount);
        int stripe = Thread.GetCurrentProcessorId() & _mask;
        Interlocked.Add(ref _cells[LongsPerPad + (stripe * _stride) + counter], value);
    }

    /// <summary>Adds one to a counter. Thread-safe, lock-free, allocation-free.</summary>
    public void Increment(int counter) => Add(counter, 1);

    /// <summary>The counter's value: the sum of its stripes. Thread-safe; O(stripes).</summary>
    public long Sum(int counter)
    {
        if ((uint)counter >= (uint)CounterCount) throw new ArgumentOutOfRangeException(nameof(counter));
        long sum = 0;
        for (int stripe = 0, i = LongsPerPad + counter; stripe < StripeCount; stripe++, i += _stride)
            sum += Volatile.Read(ref _cells[i]);
        return sum;
    }
}
