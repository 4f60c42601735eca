using System.Diagnostics;
using WsChat.Net.Diagnostics;

namespace WsChat.Tests.Net.Diagnostics;

public class FixedHistogramTests
{
    [Test]
    public void Record_ValuesAtAndPastEachBound_LandInclusiveLikePrometheusLe()
    {
        var h = new FixedHistogram([10, 20, 30]);
        foreach (long v in new long[] { 0, 10, 11, 20, 21, 30, 31, long.MaxValue / 2 }) h.Record(v);
        long[] buckets = new long[h.BucketCount];
        long sum = h.AddTo(buckets);
        Assert.Multiple(() =>
        {
            Assert.That(buckets, Is.EqualTo(new long[] { 2, 2, 2, 2 }));   // ≤10, ≤20, ≤30, +Inf
            Assert.That(sum, Is.EqualTo(0 + 10 + 11 + 20 + 21 + 30 + 31 + (long.MaxValue / 2)));
            Assert.That(h.Count, Is.EqualTo(8));
        });
    }

    [Test]
    public void AddTo_SeveralHistograms_FoldsByAddition()
    {
        var a = new FixedHistogram([10]);
        var b = new FixedHistogram([10]);
        a.Record(5);
        b.Record(5);
        b.Record(50);
        long[] buckets = new long[2];
        long sum = a.AddTo(buckets) + b.AddTo(buckets);
        Assert.Multiple(() =>
        {
            Assert.That(buckets, Is.EqualTo(new long[] { 2, 1 }));
            Assert.That(sum, Is.EqualTo(60));
        });
    }

    [Test]
    public void RecordShared_FromManyThreads_LosesNothing()
    {
        var h = new FixedHistogram(HistogramBuckets.BatchSize);
        Parallel.For(0, 4, _ => { for (int i = 0; i < 50_000; i++) h.RecordShared(i % 100); });
        Assert.That(h.Count, Is.EqualTo(200_000));
    }

    [Test]
    public void Record_SteadyState_AllocatesNothing()
    {
        var h = new FixedHistogram(HistogramBuckets.LatencyMicroseconds);
        h.Record(1);
        long start = Stopwatch.GetTimestamp();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            h.Record(i * 1000);
            h.RecordShared(i);
            h.Record(HistogramBuckets.MicrosecondsSince(start));
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Constructor_BadBounds_Throws()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new FixedHistogram([]), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => new FixedHistogram([2, 2]), Throws.ArgumentException);
            Assert.That(() => new FixedHistogram([3, 1]), Throws.ArgumentException);
            Assert.That(() => new FixedHistogram(new long[65]), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => new FixedHistogram([1, 2]).AddTo(new long[2]), Throws.ArgumentException);
        });
    }

    [Test]
    public void TicksToMicroseconds_OneSecondOfTicks_IsOneMillion()
    {
        Assert.Multiple(() =>
        {
            Assert.That(HistogramBuckets.TicksToMicroseconds(Stopwatch.Frequency), Is.EqualTo(1_000_000));
            Assert.That(HistogramBuckets.TicksToMicroseconds(-5), Is.Zero);
        });
    }
}
