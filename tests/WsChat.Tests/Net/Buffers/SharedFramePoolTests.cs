using WsChat.Net.Buffers;
using WsChat.Net.WebSockets;

namespace WsChat.Tests.Net.Buffers;

/// <summary>
/// The frame pool gives back what a burst left behind: <see cref="SharedFrame.TrimPool"/> drops the frames nobody
/// rented since the previous trim and keeps as many as were in use at once. The pool is process-wide, so the
/// fixture runs alone.
/// </summary>
[NonParallelizable]
public class SharedFramePoolTests
{
    private static List<SharedFrame> RentSealed(int count)
    {
        var frames = new List<SharedFrame>(count);
        for (int i = 0; i < count; i++)
        {
            SharedFrame frame = SharedFrame.Rent(16);
            frame.GetSpan(16)[..16].Fill((byte)'x');
            frame.Advance(16);
            frame.Seal(WebSocketOpcode.Text);
            frames.Add(frame);
        }

        return frames;
    }

    private static void ReleaseAll(List<SharedFrame> frames)
    {
        foreach (SharedFrame frame in frames) frame.Release();
    }

    [Test]
    public void TrimPool_DropsFramesUnusedSinceLastTrimAndKeepsUsedOnes()
    {
        ReleaseAll(RentSealed(1_000));             // a burst
        SharedFrame.TrimPool();                    // starts a period
        Assert.That(SharedFrame.PooledCount, Is.GreaterThanOrEqualTo(1_000));

        ReleaseAll(RentSealed(100));               // a quieter period: 100 at once
        SharedFrame.TrimPool();
        Assert.That(SharedFrame.PooledCount, Is.EqualTo(100), "the 100 used in the period stay");

        SharedFrame.TrimPool();                    // a period without any rent
        Assert.That(SharedFrame.PooledCount, Is.Zero);
    }

    [Test]
    public void Rent_AfterTrimEmptiedThePool_WorksAndPoolsAgain()
    {
        ReleaseAll(RentSealed(10));
        SharedFrame.TrimPool();
        SharedFrame.TrimPool();
        Assert.That(SharedFrame.PooledCount, Is.Zero);

        List<SharedFrame> frames = RentSealed(3);
        Assert.That(frames.Select(f => f.Bytes.Length), Is.All.EqualTo(18), "2-byte header + 16-byte payload");
        ReleaseAll(frames);
        Assert.That(SharedFrame.PooledCount, Is.EqualTo(3));
    }
}
