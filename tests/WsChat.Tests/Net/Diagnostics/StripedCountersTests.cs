using WsChat.Net.Diagnostics;

namespace WsChat.Tests.Net.Diagnostics;

public class StripedCountersTests
{
    [Test]
    public void Add_FromManyThreadsAtOnce_LosesNothing()
    {
        var counters = new StripedCounters(3);
        const int Threads = 8, PerThread = 100_000;
        using var start = new Barrier(Threads);
        Thread[] threads = [.. Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < PerThread; i++)
            {
                counters.Increment(0);
                counters.Add(2, 3);
            }
        }))];
        foreach (Thread t in threads) t.Start();
        foreach (Thread t in threads) t.Join();

        Assert.Multiple(() =>
        {
            Assert.That(counters.Sum(0), Is.EqualTo(Threads * PerThread));
            Assert.That(counters.Sum(1), Is.Zero);
            Assert.That(counters.Sum(2), Is.EqualTo(3L * Threads * PerThread));
        });
    }

    [Test]
    public void Add_NegativeValues_SumsLikeAGauge()
    {
        var counters = new StripedCounters(1);
        counters.Add(0, 100);
        counters.Add(0, -40);
        Assert.That(counters.Sum(0), Is.EqualTo(60));
    }

    [Test]
    public void Add_SteadyState_AllocatesNothing()
    {
        var counters = new StripedCounters(4);
        counters.Increment(1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) counters.Add(i & 3, i);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [TestCase(1, 1)]
    [TestCase(3, 4)]
    [TestCase(8, 8)]
    public void Constructor_StripeCount_RoundsUpToAPowerOfTwo(int requested, int expected) =>
        Assert.That(new StripedCounters(1, requested).StripeCount, Is.EqualTo(expected));

    [Test]
    public void Sum_IndexPastTheEnd_Throws()
    {
        var counters = new StripedCounters(2);
        Assert.Multiple(() =>
        {
            Assert.That(() => counters.Sum(2), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => counters.Sum(-1), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => new StripedCounters(0), Throws.TypeOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void Counters_AtTheLastIndexOfAStripe_DoNotBleedIntoTheNext()
    {
        // 16 counters fill one 128-byte stripe exactly; the last one must not alias stripe 1's first.
        var counters = new StripedCounters(StripedCounters.LongsPerPad, stripes: 2);
        counters.Add(StripedCounters.LongsPerPad - 1, 7);
        Assert.Multiple(() =>
        {
            Assert.That(counters.Sum(StripedCounters.LongsPerPad - 1), Is.EqualTo(7));
            Assert.That(counters.Sum(0), Is.Zero);
        });
    }
}
