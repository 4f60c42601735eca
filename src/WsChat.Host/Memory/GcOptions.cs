namespace WsChat.Host.Memory;

/// <summary>
/// The <c>WsChat:Gc</c> section: the host's cap on gen2 garbage (<see cref="Gen2Compactor"/>). The trade-off is
/// memory against CPU and pauses, documented in docs/operations.md "Memory: the gen2 cap".
/// </summary>
internal sealed class GcOptions
{
    /// <summary>How often gen2 is checked; 0 turns the cap off (the GC's own policy alone). Default 5 s: a burst's
    /// garbage is back within seconds, and the check itself reads two counters.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Garbage tolerated in gen2 before a collection, at least. Default 4 MiB: under 5 % of a 10,000-connection
    /// server's RSS (~105 MiB), and about 2,000 closed chat connections' worth.</summary>
    public long Gen2GarbageFloorBytes { get; set; } = 4L << 20;

    /// <summary>Garbage tolerated as a share of the live gen2 bytes, when that is more than the floor. Default 0.1: a
    /// heap of 400 MiB live is collected per 40 MiB of promotion, not per 4.</summary>
    public double Gen2GarbageLiveFraction { get; set; } = 0.1;

    internal Gen2GarbageLimit Limit => new(Gen2GarbageFloorBytes, Gen2GarbageLiveFraction);

    internal void Validate()
    {
        if (CheckInterval < TimeSpan.Zero) throw new InvalidOperationException($"WsChat:Gc:CheckInterval {CheckInterval} is negative.");
        if (Gen2GarbageFloorBytes < 0) throw new InvalidOperationException($"WsChat:Gc:Gen2GarbageFloorBytes {Gen2GarbageFloorBytes} is negative.");
        if (Gen2GarbageLiveFraction is < 0 or > 10 || double.IsNaN(Gen2GarbageLiveFraction))
        {
            throw new InvalidOperationException($"WsChat:Gc:Gen2GarbageLiveFraction {Gen2GarbageLiveFraction} is outside 0..10.");
        }
    }
}
