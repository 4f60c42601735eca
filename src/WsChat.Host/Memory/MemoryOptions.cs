namespace WsChat.Host.Memory;

/// <summary>
/// The <c>WsChat:Memory</c> section: the host's native-memory policy on glibc (Linux distributions other than
/// Alpine). The managed heap's settings are <see cref="GcOptions"/>; this is the malloc heap next to it (OpenSSL,
/// SQLite, the runtime and its JIT). Trade-offs in docs/operations.md "Memory and the GC". Ignored where the C
/// library is not glibc.
/// </summary>
internal sealed class MemoryOptions
{
    /// <summary>Malloc arenas at most (glibc's <c>M_ARENA_MAX</c>); 0 keeps glibc's default of 8 per core. Default 2:
    /// each thread that mallocs otherwise gets an arena of its own up to that default, and what one thread freed is
    /// kept in its arena, out of reach of the others (a thread-pool thread added during a connection storm grew one
    /// by 9 MB). wschat's hot paths do not malloc, so the shared arenas' locks are not contended.</summary>
    public int ArenaMax { get; set; } = 2;

    /// <summary>How often the host looks for the end of a burst to give its memory back (<see cref="MemoryReclaimer"/>);
    /// 0 turns this off. Default 0.5 s: a check reads a few counters, and a burst's memory is back within a second of
    /// its end.</summary>
    public TimeSpan ReclaimCheckInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Managed bytes allocated in one check interval under which the process is quiet. Default 256 KiB
    /// (~50 handshakes in 0.5 s): an idle or steadily messaging server allocates next to nothing.</summary>
    public long QuietBytes { get; set; } = 256L << 10;

    /// <summary>Managed bytes allocated since the last reclaim past which one is worth it. Default 4 MiB (~1,000
    /// handshakes): one reclaim per burst, not one per check.</summary>
    public long BurstBytes { get; set; } = 4L << 20;

    /// <summary>Whether a quiet spell after a burst also runs a compacting full collection, when the GC holds more
    /// committed memory above the last full collection's live bytes than <c>WsChat:Gc</c>'s garbage limit
    /// (max(4 MiB, 10 % of live)). Default true; false: trim malloc only.</summary>
    public bool CollectWhenQuiet { get; set; } = true;

    internal ReclaimPolicy ToReclaimPolicy(Gen2GarbageLimit heapSlack) => new(QuietBytes, BurstBytes, CollectWhenQuiet ? heapSlack : null);

    internal void Validate()
    {
        if (ArenaMax is < 0 or > 1024) throw new InvalidOperationException($"WsChat:Memory:ArenaMax {ArenaMax} is outside 0..1024.");
        if (ReclaimCheckInterval < TimeSpan.Zero) throw new InvalidOperationException($"WsChat:Memory:ReclaimCheckInterval {ReclaimCheckInterval} is negative.");
        if (QuietBytes < 0) throw new InvalidOperationException($"WsChat:Memory:QuietBytes {QuietBytes} is negative.");
        if (BurstBytes < 0) throw new InvalidOperationException($"WsChat:Memory:BurstBytes {BurstBytes} is negative.");
    }
}
