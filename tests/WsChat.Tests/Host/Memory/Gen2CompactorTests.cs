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
            read: () => new Gen2Reading(Gen2Bytes: 23 * MiB, LiveBytes: 20 * MiB, FullCollections: 3), collect: () => collections++);
        Assert.That(compactor.Check(), Is.False);
        Assert.That(collections, Is.Zero);
        Assert.That(compactor.Induced, Is.Zero);
    }

    [Test]
    public void Check_PastTheLimit_CollectsOnce()
    {
        int collections = 0;
        var compactor = new Gen2Compactor(new Gen2GarbageLimit(4 * MiB, 0.1), TimeSpan.FromSeconds(5), NullLogger.Instance,
            read: () => new Gen2Reading(Gen2Bytes: 25 * MiB, LiveBytes: 20 * MiB, FullCollections: 3), collect: () => collections++);
        Assert.That(compactor.Check(), Is.True);
        Assert.That(collections, Is.EqualTo(1));
        Assert.That(compactor.Induced, Is.EqualTo(1));
    }

    [Test]
    public void Reading_GarbagePromotedToGen2_ShowsAsGrowthAboveLive()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Gen2Reading baseline = Gen2Reading.Current();
        PromoteGarbageToGen2(16 * MiB);
        Gen2Reading after = Gen2Reading.Current();
        Assert.That(after.LiveBytes, Is.EqualTo(baseline.LiveBytes), "no full collection in between");
        Assert.That(after.Gen2Bytes - after.LiveBytes, Is.GreaterThanOrEqualTo(12 * MiB), "the promoted (now dead) arrays count as growth");
    }

    [Test]
    public void Check_RealGc_CollectsThePromotedGarbage()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        PromoteGarbageToGen2(16 * MiB);
        Gen2Reading before = Gen2Reading.Current();
        var compactor = new Gen2Compactor(new Gen2GarbageLimit(4 * MiB, 0.1), TimeSpan.FromSeconds(5), NullLogger.Instance);

        Assert.That(compactor.Check(), Is.True);
        Gen2Reading after = Gen2Reading.Current();
        Assert.That(after.FullCollections, Is.GreaterThan(before.FullCollections));
        Assert.That(before.Gen2Bytes - after.Gen2Bytes, Is.GreaterThanOrEqualTo(12 * MiB), "the dead arrays are gone from gen2");
        Assert.That(compactor.Check(), Is.False, "nothing left to collect right after");
    }

    // Small arrays (under the 85,000-byte large object threshold, so they start in gen0), kept alive across a gen0 and
    // a gen1 collection (each promotes its survivors one generation), then dropped: dead weight in gen2.
    private static void PromoteGarbageToGen2(long bytes)
    {
        var arrays = new List<byte[]>();
        for (long total = 0; total < bytes; total += 1024) arrays.Add(new byte[1024 - 24]);
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.KeepAlive(arrays);
    }
}
