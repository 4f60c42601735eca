using WsChat.Core.Diagnostics;
using WsChat.Host.Metrics;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host.Metrics;

public class RoomRateTrackerTests
{
    [Test]
    public void Update_TwoPollsTenSecondsApart_RateIsTheGrowthOverTheWindow()
    {
        var clock = new ManualClock();
        var tracker = new RoomRateTracker(clock);
        clock.Advance(TimeSpan.FromSeconds(5));
        double[] first = tracker.Update([new RoomStat("a", 0, 3, 50)]);
        clock.Advance(TimeSpan.FromSeconds(10));
        double[] second = tracker.Update([new RoomStat("a", 0, 3, 80), new RoomStat("b", 1, 1, 20)]);
        Assert.Multiple(() =>
        {
            Assert.That(first[0], Is.EqualTo(10), "first poll: since start");
            Assert.That(second[0], Is.EqualTo(3), "30 messages in 10 s");
            Assert.That(second[1], Is.EqualTo(2), "a room new since the baseline counts all its messages");
        });
    }

    [Test]
    public void Update_PollsShorterThanTheMinimumWindow_KeepTheOlderBaseline()
    {
        var clock = new ManualClock();
        var tracker = new RoomRateTracker(clock);
        clock.Advance(TimeSpan.FromSeconds(2));
        tracker.Update([new RoomStat("a", 0, 1, 0)]);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        double[] quick = tracker.Update([new RoomStat("a", 0, 1, 5)]);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        double[] next = tracker.Update([new RoomStat("a", 0, 1, 10)]);
        Assert.Multiple(() =>
        {
            Assert.That(quick[0], Is.EqualTo(10), "5 messages in 0.5 s");
            Assert.That(next[0], Is.EqualTo(10), "10 messages in the 1 s since the kept baseline");
        });
    }

    [Test]
    public void Update_RoomRecreatedWithASmallerTotal_NeverReportsANegativeRate()
    {
        var clock = new ManualClock();
        var tracker = new RoomRateTracker(clock);
        clock.Advance(TimeSpan.FromSeconds(2));
        tracker.Update([new RoomStat("a", 0, 1, 100)]);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(tracker.Update([new RoomStat("a", 0, 1, 4)])[0], Is.EqualTo(2));
    }
}
