using System.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Host.Memory;

namespace WsChat.Tests.Host.Memory;

// Reads and triggers the process's real GC: alone, so that no other test's collections land between the steps.
[NonParallelizable]
public class Gen2CompactorTests
{
    private const long MiB = 1L << 20;

    [Test]
    public void Check_UnderTheLimit_DoesNotCollect()
    {
        int collections = 0;
        var compactor = new Gen2Compactor(new Gen2GarbageLimit(4 * MiB, 0.1), TimeSpan.FromSeconds(5), NullLogger.Instance,
            read: () => new Gen2Reading(Gen2Bytes: 23 * MiB, LiveBytes: 20 * MiB, LiveIndex: 3), collect: () => collections++);
        Assert.That(compactor.Check(), Is.False);
        Assert.That(collections, Is.Zero);
        Assert.That(compactor.Induced, Is.Zero);
    }

    [Test]
    public void Check_PastTheLimit_CollectsOnce()
    {
        int collections = 0;
        var compactor = new Gen2Compactor(new Gen2GarbageLimit(4 * MiB, 0.1), TimeSpan.FromSeconds(5), NullLogger.Instance,
            read: () => new Gen2Reading(Gen2Bytes: 25 * MiB, LiveBytes: 20 * MiB, LiveIndex: 3), collect: () => collections++);
        Assert.That(compactor.Check(), Is.True);
        Assert.That(collections, Is.EqualTo(1));
        Assert.That(compactor.Induced, Is.EqualTo(1));
    }

    [Test]
    public void Reading_GarbagePromotedToGen2_ShowsAsGrowthAboveLive()
    {
        Gen2Reading after = PromoteGarbageToGen2(16 * MiB);
        Assert.That(after.Gen2Bytes - after.LiveBytes, Is.GreaterThanOrEqualTo(12 * MiB), "the promoted (now dead) arrays count as growth");
    }

    [Test]
    public void Check_RealGc_CollectsThePromotedGarbage()
    {
        Gen2Reading before = PromoteGarbageToGen2(16 * MiB);
        var compactor = new Gen2Compactor(new Gen2GarbageLimit(4 * MiB, 0.1), TimeSpan.FromSeconds(5), NullLogger.Instance);

        Assert.That(compactor.Check(), Is.True);
        Gen2Reading after = Gen2Reading.Current();
        Assert.That(after.LiveIndex, Is.GreaterThan(before.LiveIndex), "a full collection ran");
        Assert.That(before.Gen2Bytes - after.Gen2Bytes, Is.GreaterThanOrEqualTo(12 * MiB), "the dead arrays are gone from gen2");
        Assert.That(compactor.Check(), Is.False, "nothing left to collect right after");
    }

    // Small arrays (under the 85,000-byte large object threshold, so they start in gen0), kept alive until collections
    // have promoted them into gen2, then dropped: dead weight in gen2. Returns the reading that shows them. The GC
    // picks the generation it collects (a forced gen0 may become a gen1, a gen1 a full one): when a full collection
    // ran while the arrays were still alive, the live figure includes them, and the arrangement is repeated.
    private static Gen2Reading PromoteGarbageToGen2(long bytes)
    {
        Gen2Reading last = default;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            // No collection while the arrays are allocated: one that promoted the first of them into gen2 early would
            // use up gen2's budget and turn the next collection into a full one. (Starting the region may collect.)
            bool noGc = GC.TryStartNoGCRegion(2 * bytes);
            Gen2Reading baseline = Gen2Reading.Current();
            Promote(bytes, endNoGcRegion: noGc);
            last = Gen2Reading.Current();
            if (last.LiveIndex == baseline.LiveIndex) return last;
        }

        Assert.Fail($"a full collection ran during every one of 5 arrangements (last reading {last})");
        return last;
    }

    private static void Promote(long bytes, bool endNoGcRegion)
    {
        var arrays = new List<byte[]>((int)(bytes / 1024));
        for (long total = 0; total < bytes; total += 1024) arrays.Add(new byte[1024 - 24]);
        if (endNoGcRegion && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        for (int i = 0; i < 4 && (GC.GetGeneration(arrays[0]) < 2 || GC.GetGeneration(arrays[^1]) < 2); i++)
        {
            GC.Collect(Math.Min(i, 1), GCCollectionMode.Forced, blocking: true);
        }

        GC.KeepAlive(arrays);
    }
}
