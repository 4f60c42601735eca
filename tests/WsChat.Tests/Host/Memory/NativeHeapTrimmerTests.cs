using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Host.Memory;

namespace WsChat.Tests.Host.Memory;

public class NativeHeapTrimmerTests
{
    private const long KiB = 1L << 10;
    private const long MiB = 1L << 20;
    private static readonly NativeTrimPolicy Policy = new(QuietBytes: 256 * KiB, BurstBytes: 4 * MiB);

    [Test]
    public void Check_ConnectionStormThenQuiet_TrimsOnceWhenItEnds()
    {
        var counters = new ProcessActivity(0, 0);
        int trims = 0;
        var trimmer = new NativeHeapTrimmer(Policy, TimeSpan.FromMilliseconds(500), NullLogger.Instance, () => counters, () => { trims++; return true; });

        var decisions = new List<bool>();
        foreach (long allocated in new long[] { 5 * MiB, 5 * MiB, 5 * MiB, 0, 0, 0, 100 * KiB })
        {
            counters = counters with { AllocatedBytes = counters.AllocatedBytes + allocated };
            decisions.Add(trimmer.Check());
        }

        Assert.That(decisions, Is.EqualTo(new[] { false, false, false, true, false, false, false }));
        Assert.That(trims, Is.EqualTo(1));
        Assert.That(trimmer.Trims, Is.EqualTo(1));
    }

    [Test]
    public void Check_StartupAllocation_CountsAsABurst()
    {
        // The process allocated 20 MiB while starting, before the trimmer's first check; then it is quiet.
        var counters = new ProcessActivity(20 * MiB, 0);
        int trims = 0;
        var trimmer = new NativeHeapTrimmer(Policy, TimeSpan.FromMilliseconds(500), NullLogger.Instance, () => counters, () => { trims++; return false; });

        Assert.That(trimmer.Check(), Is.False, "the first check sees the startup as one busy interval");
        Assert.That(trimmer.Check(), Is.True, "quiet since: trim");
        Assert.That(trims, Is.EqualTo(1));
    }

    [Test]
    public void Check_SteadyChurnWithGen2Collections_TrimsAfterEachCollectionOnly()
    {
        // 2 MiB per interval is never quiet; the gen2 cap collects every tenth interval.
        var counters = new ProcessActivity(0, 0);
        int trims = 0;
        var trimmer = new NativeHeapTrimmer(Policy, TimeSpan.FromMilliseconds(500), NullLogger.Instance, () => counters, () => { trims++; return true; });

        for (int i = 1; i <= 40; i++)
        {
            counters = new ProcessActivity(counters.AllocatedBytes + 2 * MiB, counters.Gen2Collections + (i % 10 == 0 ? 1 : 0));
            bool trimmed = trimmer.Check();
            Assert.That(trimmed, Is.EqualTo(i % 10 == 0), $"interval {i}");
        }

        Assert.That(trims, Is.EqualTo(4));
    }

    [Test]
    public void Check_SlowTrickle_TrimsOncePerBurstWorthOfAllocation()
    {
        // 100 KiB per interval is quiet; a trim is due each time more than 4 MiB has gathered since the last.
        var counters = new ProcessActivity(0, 0);
        int trims = 0;
        var trimmer = new NativeHeapTrimmer(Policy, TimeSpan.FromMilliseconds(500), NullLogger.Instance, () => counters, () => { trims++; return true; });

        for (int i = 0; i < 100; i++)
        {
            counters = counters with { AllocatedBytes = counters.AllocatedBytes + 100 * KiB };
            trimmer.Check();
        }

        // 10,000 KiB in all, a trim at the first check past 4,096 KiB since the previous (41 intervals apart): 2.
        Assert.That(trims, Is.EqualTo(2));
    }
}
