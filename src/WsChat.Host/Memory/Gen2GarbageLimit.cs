namespace WsChat.Host.Memory;

/// <summary>
/// How much dead weight gen2 may gather before the host collects it: the bytes promoted into gen2 since the last
/// full collection, above the live bytes that collection found. The GC's own trigger lets gen2 grow by 20-80 % of
/// its live size first (docs/benchmarks.md "Churn: the RSS after"), which on a server holding 10,000 connections is
/// 5-15 MB of dead sessions kept committed; this cap bounds it to <see cref="FloorBytes"/> or
/// <see cref="LiveFraction"/> of the live heap, whichever is larger. Immutable, thread-safe.
/// </summary>
/// <param name="FloorBytes">The least growth that triggers a collection (a small heap is not collected for crumbs).</param>
/// <param name="LiveFraction">Growth as a share of the live gen2 bytes that triggers one (a large heap is not
/// collected over and over for growth the GC would take in stride).</param>
internal readonly record struct Gen2GarbageLimit(long FloorBytes, double LiveFraction)
{
    /// <summary>The growth above <paramref name="liveBytes"/> that is still tolerated.</summary>
    public long AllowedGrowth(long liveBytes) => Math.Max(FloorBytes, (long)(Math.Max(0, liveBytes) * LiveFraction));

    /// <summary>True when gen2 now (<paramref name="gen2Bytes"/>, after the last collection of any kind) has grown
    /// past the allowed growth above what the last full collection left (<paramref name="liveBytes"/>).</summary>
    public bool IsExceeded(long gen2Bytes, long liveBytes) => gen2Bytes - Math.Max(0, liveBytes) > AllowedGrowth(liveBytes);
}
