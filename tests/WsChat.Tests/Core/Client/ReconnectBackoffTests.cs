using WsChat.Core.Client;

namespace WsChat.Tests.Core.Client;

/// <summary>Full jitter (AWS "Exponential Backoff And Jitter"): attempt n sleeps random in [0, min(cap, base × 2^n)).
/// Seeded randomness: every assertion is deterministic, none is about elapsed time.</summary>
public class ReconnectBackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(100), Cap = TimeSpan.FromSeconds(10);

    [Test]
    public void Ceiling_DoublesPerAttempt_UntilTheCap()
    {
        var backoff = new ReconnectBackoff(Base, Cap, new Random(1));
        Assert.Multiple(() =>
        {
            Assert.That(backoff.Ceiling(0), Is.EqualTo(TimeSpan.FromMilliseconds(100)));
            Assert.That(backoff.Ceiling(1), Is.EqualTo(TimeSpan.FromMilliseconds(200)));
            Assert.That(backoff.Ceiling(6), Is.EqualTo(TimeSpan.FromMilliseconds(6400)));
            Assert.That(backoff.Ceiling(7), Is.EqualTo(Cap), "12.8 s is over the 10 s cap");
            Assert.That(backoff.Ceiling(62), Is.EqualTo(Cap));
            Assert.That(backoff.Ceiling(int.MaxValue), Is.EqualTo(Cap), "no overflow however long the outage");
        });
    }

    [Test]
    public void NextDelay_SeededRandom_StaysWithinZeroAndTheCeilingOfEachAttempt()
    {
        var backoff = new ReconnectBackoff(Base, Cap, new Random(42));
        for (int attempt = 0; attempt < 40; attempt++)
        {
            TimeSpan ceiling = backoff.Ceiling(attempt);
            for (int i = 0; i < 500; i++)
            {
                TimeSpan delay = backoff.NextDelay(attempt);
                Assert.That(delay, Is.GreaterThanOrEqualTo(TimeSpan.Zero).And.LessThan(ceiling), $"attempt {attempt}");
            }
        }
    }

    [Test]
    public void NextDelay_SeededRandom_SpreadsOverTheWholeRange()
    {
        // Full jitter, not "equal jitter" (which never goes below half the ceiling): with 2000 draws at the cap,
        // some land in the bottom tenth and some in the top tenth.
        var backoff = new ReconnectBackoff(Base, Cap, new Random(7));
        TimeSpan[] delays = [.. Enumerable.Range(0, 2000).Select(_ => backoff.NextDelay(20))];
        Assert.Multiple(() =>
        {
            Assert.That(delays.Min(), Is.LessThan(Cap / 10));
            Assert.That(delays.Max(), Is.GreaterThan(Cap * 0.9));
            Assert.That(delays.Distinct().Count(), Is.GreaterThan(1900), "jittered, not a few fixed values");
        });
    }

    [Test]
    public void NextDelay_SameSeed_SameSequence()
    {
        var a = new ReconnectBackoff(Base, Cap, new Random(3));
        var b = new ReconnectBackoff(Base, Cap, new Random(3));
        for (int attempt = 0; attempt < 20; attempt++) Assert.That(a.NextDelay(attempt), Is.EqualTo(b.NextDelay(attempt)));
    }

    [Test]
    public void Constructor_BaseAboveCapOrNotPositive_Throws()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ReconnectBackoff(TimeSpan.Zero, Cap, new Random(1)));
            Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ReconnectBackoff(Cap * 2, Cap, new Random(1)));
            Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectBackoff(Base, Cap, new Random(1)).Ceiling(-1));
        });
    }
}
