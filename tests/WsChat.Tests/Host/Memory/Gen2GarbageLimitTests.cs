using WsChat.Host.Memory;

namespace WsChat.Tests.Host.Memory;

public class Gen2GarbageLimitTests
{
    private const long MiB = 1L << 20;

    [Test]
    public void IsExceeded_GrowthAtTheFloor_IsNot()
    {
        var limit = new Gen2GarbageLimit(4 * MiB, 0.1);
        Assert.That(limit.IsExceeded(gen2Bytes: 20 * MiB + 4 * MiB, liveBytes: 20 * MiB), Is.False);
    }

    [Test]
    public void IsExceeded_OneBytePastTheFloor_Is()
    {
        var limit = new Gen2GarbageLimit(4 * MiB, 0.1);
        Assert.That(limit.IsExceeded(gen2Bytes: 20 * MiB + 4 * MiB + 1, liveBytes: 20 * MiB), Is.True);
    }

    [Test]
    public void IsExceeded_LargeLiveHeap_TheFractionSetsTheLimit()
    {
        var limit = new Gen2GarbageLimit(4 * MiB, 0.1);
        long live = 400 * MiB;
        Assert.That(limit.AllowedGrowth(live), Is.EqualTo(40 * MiB));
        Assert.That(limit.IsExceeded(live + 40 * MiB, live), Is.False, "at the limit");
        Assert.That(limit.IsExceeded(live + 40 * MiB + 1, live), Is.True, "past it");
        Assert.That(limit.IsExceeded(live + 20 * MiB, live), Is.False, "past the floor but under the fraction");
    }

    [Test]
    public void IsExceeded_NoFullCollectionYet_CountsAllOfGen2AsGrowth()
    {
        // Before the first full collection the GC reports no live figure (0): gen2 itself is the growth.
        var limit = new Gen2GarbageLimit(4 * MiB, 0.1);
        Assert.That(limit.IsExceeded(4 * MiB, 0), Is.False);
        Assert.That(limit.IsExceeded(4 * MiB + 1, 0), Is.True);
    }

    [Test]
    public void IsExceeded_Gen2SmallerThanLive_IsNot()
    {
        // A compaction can leave gen2 under the previous full collection's figure.
        var limit = new Gen2GarbageLimit(0, 0);
        Assert.That(limit.IsExceeded(10 * MiB, 12 * MiB), Is.False);
        Assert.That(limit.AllowedGrowth(-1), Is.Zero, "a negative reading counts as none");
    }
}
