using WsChat.Host.Memory;

namespace WsChat.Tests.Host.Memory;

public class ReclaimPolicyTests
{
    private const long KiB = 1L << 10;
    private const long MiB = 1L << 20;
    private static readonly ReclaimPolicy TrimOnly = new(QuietBytes: 256 * KiB, BurstBytes: 4 * MiB, HeapSlack: null);
    private static readonly ReclaimPolicy WithCollect = TrimOnly with { HeapSlack = new Gen2GarbageLimit(4 * MiB, 0.1) };

    [Test]
    public void Decide_QuietAfterABurst_Trims()
    {
        Assert.That(TrimOnly.Decide(allocatedInInterval: 0, allocatedSinceTrim: 40 * MiB, allocatedSinceCollect: 40 * MiB, gen2SinceTrim: 0, committedBytes: 90 * MiB, liveBytes: 20 * MiB),
            Is.EqualTo(ReclaimAction.Trim), "no collection without a heap slack");
    }

    [Test]
    public void Decide_AllocationAtTheQuietLimit_CountsAsQuiet()
    {
        Assert.That(TrimOnly.Decide(256 * KiB, 40 * MiB, 40 * MiB, 0, 0, 0), Is.EqualTo(ReclaimAction.Trim));
    }

    [Test]
    public void Decide_OneBytePastTheQuietLimit_WaitsForTheBurstToEnd()
    {
        Assert.That(TrimOnly.Decide(256 * KiB + 1, 40 * MiB, 40 * MiB, 0, 0, 0), Is.EqualTo(ReclaimAction.None));
        Assert.That(WithCollect.Decide(256 * KiB + 1, 40 * MiB, 40 * MiB, 0, 90 * MiB, 20 * MiB), Is.EqualTo(ReclaimAction.None));
    }

    [Test]
    public void Decide_AllocationSinceReclaimAtTheBurstLimit_DoesNothing()
    {
        Assert.That(WithCollect.Decide(0, 4 * MiB, 4 * MiB, 0, 90 * MiB, 20 * MiB), Is.EqualTo(ReclaimAction.None));
    }

    [Test]
    public void Decide_OneBytePastTheBurstLimit_Reclaims()
    {
        Assert.That(TrimOnly.Decide(0, 4 * MiB + 1, 4 * MiB + 1, 0, 0, 0), Is.EqualTo(ReclaimAction.Trim));
    }

    [Test]
    public void Decide_BusyButAGen2CollectionRan_TrimsWithoutCollecting()
    {
        Assert.That(WithCollect.Decide(allocatedInInterval: 10 * MiB, allocatedSinceTrim: 40 * MiB, allocatedSinceCollect: 40 * MiB, gen2SinceTrim: 1, committedBytes: 90 * MiB, liveBytes: 20 * MiB),
            Is.EqualTo(ReclaimAction.Trim));
    }

    [Test]
    public void Decide_Gen2CollectionWithoutABurst_DoesNothing()
    {
        // A gen2 alone (e.g. the host's cap on a steady server) finalizes little native memory: no walk for nothing.
        Assert.That(TrimOnly.Decide(0, 4 * MiB, 4 * MiB, 3, 0, 0), Is.EqualTo(ReclaimAction.None));
    }

    [Test]
    public void Decide_CommittedAtTheSlackAboveLive_TrimsOnly()
    {
        Assert.That(WithCollect.Decide(0, 40 * MiB, 40 * MiB, 0, committedBytes: 24 * MiB, liveBytes: 20 * MiB), Is.EqualTo(ReclaimAction.Trim));
    }

    [Test]
    public void Decide_CommittedOneBytePastTheSlack_CollectsAndTrims()
    {
        Assert.That(WithCollect.Decide(0, 40 * MiB, 40 * MiB, 0, committedBytes: 24 * MiB + 1, liveBytes: 20 * MiB), Is.EqualTo(ReclaimAction.CollectAndTrim));
    }

    [Test]
    public void Decide_LargeHeap_TheLiveFractionSetsTheSlack()
    {
        Assert.That(WithCollect.Decide(0, 40 * MiB, 40 * MiB, 0, committedBytes: 440 * MiB, liveBytes: 400 * MiB), Is.EqualTo(ReclaimAction.Trim));
        Assert.That(WithCollect.Decide(0, 40 * MiB, 40 * MiB, 0, committedBytes: 440 * MiB + 1, liveBytes: 400 * MiB), Is.EqualTo(ReclaimAction.CollectAndTrim));
    }

    [Test]
    public void Decide_TrimInABurstsTail_DoesNotPutOffTheCollectionAtItsEnd()
    {
        // A quiet moment in the tail trimmed (2 MiB ago); the collection's burst counts from the last collection (20 MiB ago).
        Assert.That(WithCollect.Decide(0, allocatedSinceTrim: 2 * MiB, allocatedSinceCollect: 20 * MiB, 0, committedBytes: 26 * MiB, liveBytes: 20 * MiB),
            Is.EqualTo(ReclaimAction.CollectAndTrim));
        Assert.That(WithCollect.Decide(0, allocatedSinceTrim: 2 * MiB, allocatedSinceCollect: 4 * MiB, 0, committedBytes: 26 * MiB, liveBytes: 20 * MiB),
            Is.EqualTo(ReclaimAction.None), "no burst since the last collection, none since the last trim either");
    }

    [Test]
    public void Decide_ZeroThresholds_ReclaimsAfterAnyAllocationOnlyWhenNothingWasAllocatedInTheInterval()
    {
        var eager = new ReclaimPolicy(0, 0, null);
        Assert.That(eager.Decide(0, 1, 1, 0, 0, 0), Is.EqualTo(ReclaimAction.Trim));
        Assert.That(eager.Decide(1, 1, 1, 0, 0, 0), Is.EqualTo(ReclaimAction.None));
        Assert.That(eager.Decide(0, 0, 0, 0, 0, 0), Is.EqualTo(ReclaimAction.None), "nothing allocated since the last reclaim");
    }
}
