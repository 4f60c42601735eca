namespace WsChat.Host.Memory;

/// <summary>What the GC last reported about gen2, read without collecting.</summary>
/// <param name="Gen2Bytes">Gen2's size after the most recent collection of any generation: the live data plus what
/// was promoted since the last full collection, dead or not.</param>
/// <param name="LiveBytes">Gen2's size after the most recent full collection (blocking or background), less its free
/// space (0 before the first one).</param>
/// <param name="LiveIndex">The GC's index of that full collection (0 before the first one): it changes when gen2 was
/// collected again.</param>
internal readonly record struct Gen2Reading(long Gen2Bytes, long LiveBytes, long LiveIndex)
{
    // GCMemoryInfo.GenerationInfo: 0, 1, 2, then the large and pinned object heaps.
    private const int Gen2 = 2;

    /// <summary>The GC's figures now. Cheap: no collection, no heap walk.</summary>
    public static Gen2Reading Current()
    {
        GCMemoryInfo any = GC.GetGCMemoryInfo(GCKind.Any);
        GCMemoryInfo blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        GCMemoryInfo background = GC.GetGCMemoryInfo(GCKind.Background);   // none while the host's concurrent GC is off
        GCMemoryInfo full = background.Index > blocking.Index ? background : blocking;
        long gen2 = any.Index == 0 ? 0 : any.GenerationInfo[Gen2].SizeAfterBytes;
        long live = full.Index == 0 ? 0 : full.GenerationInfo[Gen2].SizeAfterBytes - full.GenerationInfo[Gen2].FragmentationAfterBytes;
        return new Gen2Reading(gen2, live, full.Index);
    }
}
