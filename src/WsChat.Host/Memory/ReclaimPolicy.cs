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
    /// <param name="allocatedSinceTrim">Bytes allocated since the last trim (since the start before the first).</param>
    /// <param name="allocatedSinceCollect">Bytes allocated since the last collection this policy asked for: counted
    /// apart from the trims, so that a trim in a burst's tail does not put off the collection at its end.</param>
    /// <param name="gen2SinceTrim">Gen2 collections since the last trim.</param>
    /// <param name="committedBytes">Memory the GC has committed.</param>
    /// <param name="liveBytes">What the last full collection left (0 before the first).</param>
    public ReclaimAction Decide(long allocatedInInterval, long allocatedSinceTrim, long allocatedSinceCollect, int gen2SinceTrim, long committedBytes, long liveBytes)
    {
        bool quiet = allocatedInInterval <= QuietBytes;
        if (quiet && allocatedSinceCollect > BurstBytes && HeapSlack is { } slack && slack.IsExceeded(committedBytes, liveBytes))
        {
            return ReclaimAction.CollectAndTrim;
        }

        if (allocatedSinceTrim <= BurstBytes) return ReclaimAction.None;
        return quiet || gen2SinceTrim > 0 ? ReclaimAction.Trim : ReclaimAction.None;
    }
}
