using System.Diagnostics;
using WsChat.Core.Limits;

namespace WsChat.Tests.Core.Limits;

/// <summary>PROTOCOL.md §5 token buckets, driven by explicit timestamps (no sleeping, no timing assertions).</summary>
public class TokenBucketTests
{
    private static readonly long Second = Stopwatch.Frequency;
    private const long Start = 1_000_000;

    [Test]
    public void TryTake_FullBurst_ThenRefusedWithRetryAfter()
    {
        var bucket = new TokenBucket(20, 40);
        for (int i = 0; i < 40; i++) Assert.That(bucket.TryTake(Start, out _), Is.True, $"take {i}");
        Assert.That(bucket.TryTake(Start, out int retryAfterMs), Is.False);
        Assert.That(retryAfterMs, Is.EqualTo(50), "one token per 1/20 s");
    }

    [Test]
    public void TryTake_AfterRefillTime_AllowsOneMore()
    {
        var bucket = new TokenBucket(20, 40);
        for (int i = 0; i < 40; i++) bucket.TryTake(Start, out _);
        Assert.That(bucket.TryTake(Start + (Second / 20) - 1, out int retry), Is.False, "just before a token is due");
        Assert.That(retry, Is.EqualTo(1));
        Assert.That(bucket.TryTake(Start + (Second / 20), out int ok), Is.True);
        Assert.That(ok, Is.Zero);
    }

    [Test]
    public void TryTake_LongIdle_RefillsOnlyToBurst()
    {
        var bucket = new TokenBucket(20, 40);
        bucket.TryTake(Start, out _);
        int taken = 0;
        while (bucket.TryTake(Start + (3600 * Second), out _)) taken++;
        Assert.That(taken, Is.EqualTo(40));
    }

    [Test]
    public void TryTake_SteadyAtTheRate_IsNeverRefused()
    {
        var bucket = new TokenBucket(20, 1);
        for (int i = 0; i < 1000; i++)
            Assert.That(bucket.TryTake(Start + (i * Second / 20), out _), Is.True, $"message {i}");
    }

    [Test]
    public void TryTake_OverTheRateForOneSecond_AllowsBurstPlusRate()
    {
        // 100 attempts spread over one second against 20/s burst 40: 40 + 20 get through.
        var bucket = new TokenBucket(20, 40);
        int allowed = 0;
        for (int i = 0; i <= 100; i++)
            if (bucket.TryTake(Start + (i * Second / 100), out _)) allowed++;
        Assert.That(allowed, Is.EqualTo(60));
    }

    [Test]
    public void TryTake_ClockGoingBackwards_AddsNothing()
    {
        var bucket = new TokenBucket(1, 1);
        Assert.That(bucket.TryTake(Start, out _), Is.True);
        Assert.That(bucket.TryTake(Start - (100 * Second), out _), Is.False);
        Assert.That(bucket.TryTake(Start + Second, out _), Is.True);
    }

    [Test]
    public void TryTake_SlowRate_RetryAfterCoversTheWholeWait()
    {
        var bucket = new TokenBucket(0.5, 1);   // one token every 2 s
        bucket.TryTake(Start, out _);
        Assert.That(bucket.TryTake(Start + (Second / 2), out int retry), Is.False);
        Assert.That(retry, Is.EqualTo(1500));
    }

    [Test]
    public void TryTake_DefaultBucket_RefusesEverything()
    {
        TokenBucket bucket = default;
        Assert.That(bucket.IsConfigured, Is.False);
        Assert.That(bucket.TryTake(Start, out int retry), Is.False);
        Assert.That(retry, Is.EqualTo(int.MaxValue));
    }

    [TestCase(0.0, 1)]
    [TestCase(-1.0, 1)]
    [TestCase(double.NaN, 1)]
    [TestCase(double.PositiveInfinity, 1)]
    [TestCase(1.0, 0)]
    public void Constructor_OutOfRange_Throws(double rate, int burst)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TokenBucket(rate, burst));
    }

    [Test]
    public void TryTake_AllocatesNothing()
    {
        var bucket = new TokenBucket(20, 40);
        bucket.TryTake(Start, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) bucket.TryTake(Start + i, out _);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public unsafe void Size_IsAtMost32Bytes()
    {
        Assert.That(sizeof(TokenBucket), Is.LessThanOrEqualTo(32));
    }
}
