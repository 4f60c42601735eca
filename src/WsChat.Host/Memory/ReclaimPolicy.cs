namespace WsChat.Host.Memory;

/// <summary>What <see cref="MemoryReclaimer"/> does at one check.</summary>
internal enum ReclaimAction
{
    /// <summary>Nothing: no burst since the last reclaim, or still busy.</summary>
    None,

    /// <summary>Give glibc's free malloc memory back (<c>malloc_trim</c>).</summary>
    Trim,

    /// <summary>A compacting full collection first (the GC then decommits the regions it emptied), then the trim.</summary>
    CollectAndTrim,
}

/// <summary>
/// When the host gives memory a burst of work used back to the operating system (<see cref="MemoryReclaimer"/>):
/// once a burst (more than <see cref="BurstBytes"/> allocated since the last reclaim) is followed by a quiet check
/// interval (at most <see cref="QuietBytes"/> allocated in it). Neither the GC nor glibc does this by itself: an idle
/// process never collects again, and glibc keeps freed memory in its arenas, so a server stays at the high-water mark
/// of its last burst (docs/operations.md "Memory and the GC"). Reclaiming while busy would only be faulted back in;
/// the one exception is a trim right after a gen2 collection, which has just finalized what the burst left. Immutable.
/// </summary>
/// <param name="QuietBytes">The process counts as quiet when it allocated at most this much in one check interval.</param>
/// <param name="BurstBytes">A reclaim is worth it once more than this was allocated since the last one.</param>
/// <param name="HeapSlack">Committed GC memory tolerated above what the last full collection left before a quiet
/// spell also collects; null: never collect, trim only.</param>
internal readonly record struct ReclaimPolicy(long QuietBytes, long BurstBytes, Gen2GarbageLimit? HeapSlack)
{
    /// <summary>What to do now.</summary>
    /// <param name="allocatedInInterval">Bytes allocated since the previous check.</param>
    /// <param name="allocatedSinceReclaim">Bytes allocated since the last reclaim (since the start before the first).</param>
    /// <param name="gen2SinceReclaim">Gen2 collections since the last reclaim.</param>
    /// <param name="committedBytes">Memory the GC has committed.</param>
    /// <param name="liveBytes">What the last full collection left (0 before the first).</param>
    public ReclaimAction Decide(long allocatedInInterval, long allocatedSinceReclaim, int gen2SinceReclaim, long committedBytes, long liveBytes)
    {
        if (allocatedSinceReclaim <= BurstBytes) return ReclaimAction.None;
        if (allocatedInInterval > QuietBytes) return gen2SinceReclaim > 0 ? ReclaimAction.Trim : ReclaimAction.None;
        return HeapSlack is { } slack && slack.IsExceeded(committedBytes, liveBytes) ? ReclaimAction.CollectAndTrim : ReclaimAction.Trim;
    }
}
