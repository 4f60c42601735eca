using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace WsChat.Net.Buffers;

/// <summary>
/// A bounded free list shared by every thread (one lock-free queue: rents on one thread and returns on another
/// balance out, which the per-thread caches of <c>ArrayPool&lt;T&gt;.Shared</c> do not), that gives back what a
/// burst left: <see cref="Trim"/> drops the items nobody rented since the previous trim. Used for the shared frames
/// and the outbound rings. Thread-safe.
/// </summary>
internal sealed class TrimmedPool<T>(int capacity)
    where T : class
{
    private readonly ConcurrentQueue<T> _free = new();
    private int _count;
    private int _lowWater;      // fewest items pooled since the last trim: that many were never needed

    /// <summary>Items on the free list now (for tests and metrics).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>A pooled item, or false when the list is empty (the caller creates one).</summary>
    public bool TryRent([NotNullWhen(true)] out T? item)
    {
        if (_free.TryDequeue(out item))
        {
            int left = Interlocked.Decrement(ref _count);
            if (left < Volatile.Read(ref _lowWater)) Volatile.Write(ref _lowWater, left);   // racy by design: a hint
            return true;
        }

        Volatile.Write(ref _lowWater, 0);
        return false;
    }

    /// <summary>Takes <paramref name="item"/> back; false when the list is at its capacity (the item is the caller's
    /// to drop).</summary>
    public bool TryReturn(T item)
    {
        if (Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _free.Enqueue(item);
        return true;
    }

    /// <summary>Drops the items that stayed on the list since the previous call (none was rented that deep), so a
    /// burst's leftovers go to the GC while a busy server keeps what it uses.</summary>
    public void Trim()
    {
        int drop = Math.Min(Volatile.Read(ref _lowWater), Volatile.Read(ref _count));
        for (int i = 0; i < drop && _free.TryDequeue(out _); i++) Interlocked.Decrement(ref _count);
        Volatile.Write(ref _lowWater, Volatile.Read(ref _count));
    }
}
