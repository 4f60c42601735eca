using System.Diagnostics;

namespace WsChat.Net.Diagnostics;

/// <summary>
/// A block of 64-bit counters with a single writer (the shard loop or event loop that owns it),
/// written with plain stores, read by any thread at scrape time.
/// </summary>
/// <remarks>
/// No interlocked instruction and no lock: only the owner writes, so a plain <c>++</c> is exact.
/// Readers use <c>Volatile.Read</c>; 64-bit loads and stores are atomic on the
/// 64-bit platforms wschat runs on (x64, arm64), so a reader never sees a torn value, only a
/// slightly old one. The block is padded on both sides so that a busy owner does not share a cache
/// line with another block's owner. Writing from two threads at once loses counts: use
/// <see cref="StripedCounters"/> there.
/// </remarks>
internal sealed class CounterBlock
{
    private readonly long[] _cells;

    /// <param name="counterCount">Number of counters in the block (indices 0..count-1).</param>
    public CounterBlock(int counterCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(counterCount);
        CounterCount = counterCount;
        _cells = new long[StripedCounters.LongsPerPad + counterCount + StripedCounters.LongsPerPad];
    }

    /// <summary>Number of counters in the block.</summary>
    public int CounterCount { get; }

    /// <summary>Adds <paramref name="value"/> (may be negative). Owner thread only; allocation-free.</summary>
    public void Add(int counter, long value)
    {
        Debug.Assert((uint)counter < (uint)CounterCount);
        ref long cell = ref _cells[StripedCounters.LongsPerPad + counter];
        Volatile.Write(ref cell, cell + value);
    }

    /// <summary>Adds one. Owner thread only; allocation-free.</summary>
    public void Increment(int counter) => Add(counter, 1);

    /// <summary>Sets a gauge-like counter. Owner thread only.</summary>
    public void Set(int counter, long value)
    {
        Debug.Assert((uint)counter < (uint)CounterCount);
        Volatile.Write(ref _cells[StripedCounters.LongsPerPad + counter], value);
    }

    /// <summary>The counter's current value. Any thread.</summary>
    public long Read(int counter)
    {
        if ((uint)counter >= (uint)CounterCount) throw new ArgumentOutOfRangeException(nameof(counter));
        return Volatile.Read(ref _cells[StripedCounters.LongsPerPad + counter]);
    }
}
