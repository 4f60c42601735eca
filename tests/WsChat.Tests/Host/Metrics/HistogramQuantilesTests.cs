using WsChat.Host.Metrics;

namespace WsChat.Tests.Host.Metrics;

public class HistogramQuantilesTests
{
    [Test]
    public void Estimate_UniformInOneBucket_InterpolatesLinearly()
    {
        // 100 values in (10, 20]: the median is half-way.
        Assert.That(HistogramQuantiles.Estimate([0, 100, 0], [10, 20], 0.5), Is.EqualTo(15));
    }

    [Test]
    public void Estimate_RankInTheFirstBucket_StartsFromZero() =>
        Assert.That(HistogramQuantiles.Estimate([4, 0, 0], [10, 20], 0.5), Is.EqualTo(5));

    [Test]
    public void Estimate_RankInOverflow_ReturnsTheLastBound() =>
        Assert.That(HistogramQuantiles.Estimate([1, 0, 99], [10, 20], 0.99), Is.EqualTo(20));

    [Test]
    public void Estimate_NoValues_IsZero() =>
        Assert.That(HistogramQuantiles.Estimate([0, 0, 0], [10, 20], 0.99), Is.Zero);

    [Test]
    public void Estimate_BadArguments_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => HistogramQuantiles.Estimate([0, 0], [10, 20], 0.5), Throws.ArgumentException);
            Assert.That(() => HistogramQuantiles.Estimate([0, 0, 0], [10, 20], 1.5), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => HistogramQuantiles.Estimate([0, 0, 0], [10, 20], double.NaN), Throws.TypeOf<ArgumentOutOfRangeException>());
        });
    }
}
