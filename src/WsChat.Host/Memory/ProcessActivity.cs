namespace WsChat.Host.Memory;

/// <summary>
/// How busy the process has been and what the GC holds, read without collecting: what <see cref="MemoryReclaimer"/>
/// tells a burst, a quiet spell and reclaimable heap by. Managed allocation stands for native allocation too: the
/// work that mallocs and frees (handshakes' HMAC in OpenSSL, SQLite, the JIT compiling paths a burst is the first to
/// use) allocates on the managed heap as well, while steady messaging and idle connections allocate nothing on either.
/// </summary>
/// <param name="AllocatedBytes">Managed bytes allocated since the process started (all threads, approximate).</param>
/// <param name="Gen2Collections">Gen2 collections since the process started, the host's induced ones included.</param>
/// <param name="CommittedBytes">Memory the GC had committed at its latest collection.</param>
/// <param name="LiveBytes">What the latest full blocking collection left (heap size less fragmentation; 0 before
/// the first one).</param>
internal readonly record struct ProcessActivity(long AllocatedBytes, int Gen2Collections, long CommittedBytes, long LiveBytes)
{
    /// <summary>The figures now. Cheap: counters and the GC's last records, no collection.</summary>
    public static ProcessActivity Current()
    {
        GCMemoryInfo any = GC.GetGCMemoryInfo(GCKind.Any);
        GCMemoryInfo full = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        long live = full.Index == 0 ? 0 : full.HeapSizeBytes - full.FragmentedBytes;
        return new ProcessActivity(GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(2), any.TotalCommittedBytes, live);
    }
}
