using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Host.Memory;

namespace WsChat.Tests.Host.Memory;

public class MemoryReclaimerTests
{
    private const long KiB = 1L << 10;
    private const long MiB = 1L << 20;
    private static readonly ReclaimPolicy Policy = new(QuietBytes: 256 * KiB, BurstBytes: 4 * MiB, HeapSlack: new Gen2GarbageLimit(4 * MiB, 0.1));

    private sealed class Process
    {
        public ProcessActivity Now = new(0, 0, CommittedBytes: 30 * MiB, LiveBytes: 20 * MiB);
        public int Trims, Collections;

        public MemoryReclaimer Reclaimer() => new(Policy, TimeSpan.FromMilliseconds(500), NullLogger.Instance, () => Now, () => { Trims++; return true; },
            () =>
            {
                // What a compacting full collection does to the figures: committed down to the live bytes, one more gen2.
                Collections++;
                Now = Now with { Gen2Collections = Now.Gen2Collections + 1, CommittedBytes = Now.LiveBytes };
            });

        public void Allocate(long bytes) => Now = Now with { AllocatedBytes = Now.AllocatedBytes + bytes };
    }

    [Test]
    public void Check_ConnectionStormThenQuiet_ReclaimsOnceWhenItEnds()
    {
        var process = new Process();
        MemoryReclaimer reclaimer = process.Reclaimer();

        var actions = new List<ReclaimAction>();
        foreach (long allocated in new long[] { 5 * MiB, 5 * MiB, 5 * MiB, 0, 0, 0, 100 * KiB })
        {
            process.Allocate(allocated);
            actions.Add(reclaimer.Check());
        }

        Assert.That(actions, Is.EqualTo(new[]
        {
            ReclaimAction.None, ReclaimAction.None, ReclaimAction.None, ReclaimAction.CollectAndTrim, ReclaimAction.None, ReclaimAction.None, ReclaimAction.None,
        }));
        Assert.That((process.Trims, process.Collections), Is.EqualTo((1, 1)));
        Assert.That((reclaimer.Trims, reclaimer.Collections), Is.EqualTo((1L, 1L)));
    }

    [Test]
    public void Check_AfterItsOwnCollection_TheNextBurstCountsFromThere()
    {
        var process = new Process();
        MemoryReclaimer reclaimer = process.Reclaimer();
        process.Allocate(10 * MiB);
        reclaimer.Check();
        Assert.That(reclaimer.Check(), Is.EqualTo(ReclaimAction.CollectAndTrim));

        // The heap is at its live size now: the next burst's end trims only, and its own collection counted no gen2.
        process.Allocate(10 * MiB);
        reclaimer.Check();
        Assert.That(reclaimer.Check(), Is.EqualTo(ReclaimAction.Trim));
        Assert.That(process.Collections, Is.EqualTo(1));
    }

    [Test]
    public void Check_TrimInABurstsTail_TheCollectionAtItsEndStillRuns()
    {
        var process = new Process();
        MemoryReclaimer reclaimer = process.Reclaimer();
        process.Allocate(10 * MiB);
        reclaimer.Check();
        Assert.That(reclaimer.Check(), Is.EqualTo(ReclaimAction.CollectAndTrim), "a quiet moment mid-burst");

        // The tail: 5 MiB, a quiet moment that trims (the heap is at its live size), then 3 MiB more while the GC
        // commits 6 MiB for it, then the end.
        process.Allocate(5 * MiB);
        reclaimer.Check();
        Assert.That(reclaimer.Check(), Is.EqualTo(ReclaimAction.Trim));
        process.Allocate(3 * MiB);
        process.Now = process.Now with { CommittedBytes = 26 * MiB };
        Assert.That(reclaimer.Check(), Is.EqualTo(ReclaimAction.None), "busy");
        Assert.That(reclaimer.Check(), Is.EqualTo(ReclaimAction.CollectAndTrim), "8 MiB since the last collection, though 3 since the trim");
        Assert.That(process.Collections, Is.EqualTo(2));
    }

    [Test]
    public void Check_StartupAllocation_CountsAsABurst()
    {
        // The process allocated 20 MiB while starting, before the reclaimer's first check; then it is quiet.
        var process = new Process();
        process.Allocate(20 * MiB);
        MemoryReclaimer reclaimer = process.Reclaimer();

        Assert.That(reclaimer.Check(), Is.EqualTo(ReclaimAction.None), "the first check sees the startup as one busy interval");
        Assert.That(reclaimer.Check(), Is.EqualTo(ReclaimAction.CollectAndTrim), "quiet since");
    }

    [Test]
    public void Check_SteadyChurnWithGen2Collections_TrimsAfterEachCollectionOnly()
    {
        // 2 MiB per interval is never quiet; the gen2 cap collects every tenth interval.
        var process = new Process();
        MemoryReclaimer reclaimer = process.Reclaimer();

        for (int i = 1; i <= 40; i++)
        {
            process.Allocate(2 * MiB);
            if (i % 10 == 0) process.Now = process.Now with { Gen2Collections = process.Now.Gen2Collections + 1 };
            Assert.That(reclaimer.Check(), Is.EqualTo(i % 10 == 0 ? ReclaimAction.Trim : ReclaimAction.None), $"interval {i}");
        }

        Assert.That((process.Trims, process.Collections), Is.EqualTo((4, 0)));
    }

    [Test]
    public void Check_SlowTrickle_ReclaimsOncePerBurstWorthOfAllocation()
    {
        // 100 KiB per interval is quiet; a reclaim is due each time more than 4 MiB has gathered since the last.
        var process = new Process();
        MemoryReclaimer reclaimer = process.Reclaimer();

        for (int i = 0; i < 100; i++)
        {
            process.Allocate(100 * KiB);
            reclaimer.Check();
        }

        // 10,000 KiB in all, a reclaim at the first check past 4,096 KiB since the previous (41 intervals apart): 2.
        Assert.That(process.Trims, Is.EqualTo(2));
        Assert.That(process.Collections, Is.EqualTo(1), "the first one collected the heap down to its live size");
    }
}
