using WsChat.Host.Memory;

namespace WsChat.Tests.Host.Memory;

public class NativeTrimPolicyTests
{
    private const long KiB = 1L << 10;
    private const long MiB = 1L << 20;
    private static readonly NativeTrimPolicy Policy = new(QuietBytes: 256 * KiB, BurstBytes: 4 * MiB);

    [Test]
    public void ShouldTrim_QuietAfterABurst_Trims()
    {
        Assert.That(Policy.ShouldTrim(allocatedInInterval: 0, allocatedSinceTrim: 40 * MiB, gen2SinceTrim: 0), Is.True);
    }

    [Test]
    public void ShouldTrim_AllocationAtTheQuietLimit_CountsAsQuiet()
    {
        Assert.That(Policy.ShouldTrim(256 * KiB, 40 * MiB, 0), Is.True);
    }

    [Test]
    public void ShouldTrim_OneBytePastTheQuietLimit_WaitsForTheBurstToEnd()
    {
        Assert.That(Policy.ShouldTrim(256 * KiB + 1, 40 * MiB, 0), Is.False);
    }

    [Test]
    public void ShouldTrim_AllocationSinceTrimAtTheBurstLimit_DoesNotTrim()
    {
        Assert.That(Policy.ShouldTrim(0, 4 * MiB, 0), Is.False);
    }

    [Test]
    public void ShouldTrim_OneBytePastTheBurstLimit_Trims()
    {
        Assert.That(Policy.ShouldTrim(0, 4 * MiB + 1, 0), Is.True);
    }

    [Test]
    public void ShouldTrim_BusyButAGen2CollectionRan_Trims()
    {
        Assert.That(Policy.ShouldTrim(allocatedInInterval: 10 * MiB, allocatedSinceTrim: 40 * MiB, gen2SinceTrim: 1), Is.True);
    }

    [Test]
    public void ShouldTrim_Gen2CollectionWithoutABurst_DoesNotTrim()
    {
        // A gen2 alone (e.g. the host's cap on a steady server) finalizes little native memory: no walk for nothing.
        Assert.That(Policy.ShouldTrim(0, 4 * MiB, 3), Is.False);
    }

    [Test]
    public void ShouldTrim_ZeroThresholds_TrimsAfterAnyAllocationOnlyWhenNothingWasAllocatedInTheInterval()
    {
        var eager = new NativeTrimPolicy(0, 0);
        Assert.That(eager.ShouldTrim(0, 1, 0), Is.True);
        Assert.That(eager.ShouldTrim(1, 1, 0), Is.False);
        Assert.That(eager.ShouldTrim(0, 0, 0), Is.False, "nothing allocated since the last trim");
    }
}
