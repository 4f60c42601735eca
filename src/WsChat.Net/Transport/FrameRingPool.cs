using System.Collections.Concurrent;
using WsChat.Net.Buffers;

namespace WsChat.Net.Transport;

/// <summary>
/// The outbound rings of the initial size (<see cref="RingSize"/>), shared by every connection. A ring is rented
/// by the thread that queues a frame to an idle connection (a chat shard broadcasting, a receive loop answering)
/// and returned by the connection's sender, a thread-pool thread, once the queue is empty again.
/// </summary>
/// <remarks>
/// <c>ArrayPool&lt;T&gt;.Shared</c> was used before: it keeps a per-thread cache and per-core partitions of 32
/// arrays, so with rents on one thread and returns on others the renting side ran dry while the returns
/// overflowed and were dropped. A broadcast to more members than that rented most rings anew: ~100 bytes allocated
/// per delivery in a fanout (dotnet-trace AllocationTick, docs/benchmarks.md "Fan-out: allocations on the steady
/// path"). This pool is one lock-free queue, the same on every thread, with a cap. Thread-safe.
/// </remarks>
internal static class FrameRingPool
{
    /// <summary>Frames a ring holds before the queue grows it (from <c>ArrayPool</c>: rare).</summary>
    public const int RingSize = 16;

    // 2048 rings × 152 B = 304 KiB at most; past that many connections with frames queued at once (seen: ~4,000 in
    // a join storm of 5,000 connections in rooms of 100, each join telling the room), returned rings go to the GC.
    private const int MaxPooled = 2048;

    private static readonly ConcurrentQueue<SharedFrame[]> s_free = new();
    private static int s_count;
    private static int s_lowWater;      // fewest rings pooled since the last trim: that many were never needed

    /// <summary>Rings in the pool now (for tests and metrics).</summary>
    public static int Count => Volatile.Read(ref s_count);

    /// <summary>An empty ring of <see cref="RingSize"/> slots.</summary>
    public static SharedFrame[] Rent()
    {
        if (s_free.TryDequeue(out SharedFrame[]? ring))
        {
            int left = Interlocked.Decrement(ref s_count);
            if (left < Volatile.Read(ref s_lowWater)) Volatile.Write(ref s_lowWater, left);   // racy by design: a hint
            return ring;
        }

        Volatile.Write(ref s_lowWater, 0);
        return new SharedFrame[RingSize];
    }

    /// <summary>Takes back a ring of <see cref="RingSize"/> slots; every slot must be null.</summary>
    public static void Return(SharedFrame[] ring)
    {
        if (Interlocked.Increment(ref s_count) > MaxPooled)
        {
            Interlocked.Decrement(ref s_count);
            return;
        }

        s_free.Enqueue(ring);
    }

    /// <summary>
    /// Drops the rings that stayed in the pool since the previous call (none was rented that deep), so that what a
    /// burst left behind goes back to the GC while an active server keeps what it uses. Called by the servers' timers
    /// every <see cref="TrimInterval"/>; thread-safe.
    /// </summary>
    public static void Trim()
    {
        int drop = Math.Min(Volatile.Read(ref s_lowWater), Volatile.Read(ref s_count));
        for (int i = 0; i < drop && s_free.TryDequeue(out _); i++) Interlocked.Decrement(ref s_count);
        Volatile.Write(ref s_lowWater, Volatile.Read(ref s_count));
    }

    /// <summary>How often the timers trim the pool.</summary>
    public static readonly TimeSpan TrimInterval = TimeSpan.FromSeconds(10);
}
