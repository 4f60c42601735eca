using System.Diagnostics;
using WsChat.Core.Limits;

namespace WsChat.Tests.Core.Limits;

/// <summary>§5 "keeps flooding after rate_limited → close 1008": 20 refusals within 10 s by default.</summary>
public class FloodGuardTests
{
    private static readonly long Second = Stopwatch.Frequency;
    private const long Start = 5_000_000;

    [Test]
    public void RecordRejection_NineteenInTheWindow_DoesNotClose_TheTwentiethDoes()
    {
        var guard = new FloodGuard(FloodGuard.DefaultMaxRejections, FloodGuard.DefaultWindow);
        for (int i = 0; i < 19; i++) Assert.That(guard.RecordRejection(Start + (i * Second / 10)), Is.False, $"refusal {i + 1}");
        Assert.That(guard.RecordRejection(Start + (19 * Second / 10)), Is.True);
    }

    [Test]
    public void RecordRejection_SpreadOverMoreThanTheWindow_NeverCloses()
    {
        // One refusal a second (a client roughly honouring retry_after_ms) never reaches 20 in 10 s.
        var guard = new FloodGuard(20, TimeSpan.FromSeconds(10));
        for (int i = 0; i < 300; i++) Assert.That(guard.RecordRejection(Start + (i * Second)), Is.False, $"second {i}");
    }

    [Test]
    public void RecordRejection_AfterAQuietWindow_CountsFromZero()
    {
        var guard = new FloodGuard(3, TimeSpan.FromSeconds(10));
        guard.RecordRejection(Start);
        guard.RecordRejection(Start + Second);
        Assert.That(guard.Rejections, Is.EqualTo(2));
        Assert.That(guard.RecordRejection(Start + (10 * Second)), Is.False, "the window ended: this one starts a new window");
        Assert.That(guard.Rejections, Is.EqualTo(1));
        Assert.That(guard.RecordRejection(Start + (11 * Second)), Is.False);
        Assert.That(guard.RecordRejection(Start + (12 * Second)), Is.True);
    }

    [Test]
    public void RecordRejection_DefaultGuard_UsesTheDefaults()
    {
        FloodGuard guard = default;
        for (int i = 0; i < FloodGuard.DefaultMaxRejections - 1; i++) Assert.That(guard.RecordRejection(Start), Is.False);
        Assert.That(guard.RecordRejection(Start), Is.True);
    }

    [Test]
    public void RecordRejection_LimitPastSixteenBits_ClosesAt65535AndStaysClosing()
    {
        // The count is 16 bits (one guard per connection): a larger limit counts as the largest, and the count saturates
        // instead of wrapping back under the limit.
        var guard = new FloodGuard(1_000_000, TimeSpan.FromHours(1));
        for (int i = 1; i < ushort.MaxValue; i++)
        {
            if (guard.RecordRejection(Start + i)) Assert.Fail($"closed at refusal {i}");
        }

        Assert.That(guard.RecordRejection(Start + ushort.MaxValue), Is.True);
        Assert.That(guard.RecordRejection(Start + ushort.MaxValue + 1), Is.True);
        Assert.That(guard.Rejections, Is.EqualTo(ushort.MaxValue));
    }

    [Test]
    public void RecordRejection_SubMillisecondWindow_CountsAsOneMillisecond()
    {
        var guard = new FloodGuard(2, TimeSpan.FromTicks(100));   // 10 µs
        guard.RecordRejection(Start);
        Assert.That(guard.RecordRejection(Start + (Second / 2000)), Is.True, "0.5 ms later: still the same 1 ms window");
        var fresh = new FloodGuard(2, TimeSpan.FromTicks(100));
        fresh.RecordRejection(Start);
        Assert.That(fresh.RecordRejection(Start + (Second / 1000)), Is.False, "1 ms later: a new window");
    }

    [Test]
    public void Constructor_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FloodGuard(0, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FloodGuard(5, TimeSpan.Zero));
    }

    [Test]
    public void WithATokenBucket_ClientAtTwiceTheRate_IsClosedWithinAboutASecondOfRefusals()
    {
        var bucket = new TokenBucket(20, 40);
        var guard = new FloodGuard(FloodGuard.DefaultMaxRejections, FloodGuard.DefaultWindow);
        int sent = 0;
        bool closed = false;
        while (!closed && sent < 1000)
        {
            long now = Start + (sent * Second / 40);   // 40 messages/s against 20/s
            if (!bucket.TryTake(now, out _)) closed = guard.RecordRejection(now);
            sent++;
        }

        Assert.That(closed, Is.True);
        // Tokens drain at 40 - 20 = 20/s, so the burst of 40 lasts 2 s (80 messages); then every other
        // message is refused, and 20 refusals take about 40 more: closed after about 120 messages, 3 s.
        Assert.That(sent, Is.InRange(110, 125));
    }
}
