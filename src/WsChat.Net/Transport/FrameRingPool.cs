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

    private static readonly TrimmedPool<SharedFrame[]> s_free = new(MaxPooled);

    /// <summary>Rings in the pool now (for tests and metrics).</summary>
    public static int Count => s_free.Count;

    /// <summary>An empty ring of <see cref="RingSize"/> slots.</summary>
    public static SharedFrame[] Rent() => s_free.TryRent(out SharedFrame[]? ring) ? ring : new SharedFrame[RingSize];

    /// <summary>Takes back a ring of <see cref="RingSize"/> slots; every slot must be null. Past the cap it goes to the GC.</summary>
    public static void Return(SharedFrame[] ring) => s_free.TryReturn(ring);

    /// <summary>
    /// Drops the rings that stayed in the pool since the previous call (none was rented that deep), so that what a
    /// burst left behind goes back to the GC while an active server keeps what it uses. Called by the servers' timers
    /// every <see cref="TrimInterval"/>; thread-safe.
    /// </summary>
    public static void Trim() => s_free.Trim();

    /// <summary>How often the timers trim the pool.</summary>
    public static readonly TimeSpan TrimInterval = TimeSpan.FromSeconds(10);
}
