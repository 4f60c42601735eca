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

    // 4096 rings × 152 B = 608 KiB at most kept after a burst; past that many connections with frames queued at
    // once, returned rings are left to the GC.
    private const int MaxPooled = 4096;

    private static readonly ConcurrentQueue<SharedFrame[]> s_free = new();
    private static int s_count;

    /// <summary>An empty ring of <see cref="RingSize"/> slots.</summary>
    public static SharedFrame[] Rent()
    {
        if (s_free.TryDequeue(out SharedFrame[]? ring))
        {
            Interlocked.Decrement(ref s_count);
            return ring;
        }

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
}
