using WsChat.Net.Buffers;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;

namespace WsChat.Tests.Net.Transport;

/// <summary>
/// The outbound ring of a connection: rented when a frame is queued to an idle connection, returned when its sender
/// has emptied it. In the server those are different threads (a chat shard queues, a thread-pool thread sends); a
/// broadcast to hundreds of members must not allocate a ring per member (issue 5: no allocation per message).
/// </summary>
[NonParallelizable]
public class OutboundQueueTests
{
    // More members than ArrayPool<T>.Shared's per-core partitions hold (32 arrays per core), as in a room of 500.
    private const int Members = 500;

    [Test]
    [CancelAfter(30_000)]
    public void Push_RingsReturnedByAnotherThread_BroadcastAllocatesNothingOnceWarm(CancellationToken ct)
    {
        var queues = new OutboundQueue[Members];
        SharedFrame frame = SharedFrame.Rent();
        "{\"type\":\"message\"}"u8.CopyTo(frame.GetSpan(32));
        frame.Advance(18);
        frame.Seal(WebSocketOpcode.Text);

        long allocated = 0;
        for (int round = 0; round < 4; round++)
        {
            // The broadcasting thread: one frame to every member, each idle queue rents its ring.
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < queues.Length; i++) Push(ref queues[i], frame.AddRef());
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // The senders, on another thread: empty every queue and give its ring back.
            var senders = new Thread(() =>
            {
                for (int i = 0; i < queues.Length; i++) Drain(ref queues[i]);
            });
            senders.Start();
            senders.Join();
            ct.ThrowIfCancellationRequested();
        }

        Assert.That(allocated, Is.Zero, "the last broadcast's rings all came back from the pool");
        Assert.That(queues.All(q => q.Ring is null && q.Count == 0), "every ring was returned");
        Assert.That(frame.RefCount, Is.EqualTo(1), "every queued reference was released");
        frame.Release();
    }

    [Test]
    public void Push_PastRingSize_GrowsAndKeepsOrder()
    {
        var queue = new OutboundQueue();
        var frames = Enumerable.Range(0, FrameRingPool.RingSize * 2 + 3).Select(_ => Sealed()).ToArray();
        queue.Enter();
        for (int i = 0; i < 5; i++) queue.Push(frames[i]);
        for (int i = 0; i < 3; i++) queue.Dequeue();              // the ring's head moves off slot 0
        for (int i = 5; i < frames.Length; i++) queue.Push(frames[i]);
        var order = new List<SharedFrame>();
        while (queue.Count > 0) order.Add(queue.Dequeue());
        queue.ReturnRingIfEmpty();
        queue.Exit();

        Assert.That(order, Is.EqualTo(frames.Skip(3)).AsCollection);
        Assert.That(queue.Ring, Is.Null);
        foreach (SharedFrame f in frames) f.Release();
    }

    [Test]
    public void FrameRingPool_Trim_DropsRingsUnusedSinceLastTrimAndKeepsUsedOnes()
    {
        var rings = Enumerable.Range(0, 300).Select(_ => FrameRingPool.Rent()).ToList();
        foreach (SharedFrame[] ring in rings) FrameRingPool.Return(ring);
        FrameRingPool.Trim();                       // starts a period
        int pooled = FrameRingPool.Count;
        Assert.That(pooled, Is.GreaterThanOrEqualTo(300));

        // A quieter period: only 100 rings needed at once.
        rings = Enumerable.Range(0, 100).Select(_ => FrameRingPool.Rent()).ToList();
        foreach (SharedFrame[] ring in rings) FrameRingPool.Return(ring);
        FrameRingPool.Trim();
        Assert.That(FrameRingPool.Count, Is.EqualTo(100), "the 100 used in the period stay");

        FrameRingPool.Trim();                       // a period without any rent
        Assert.That(FrameRingPool.Count, Is.Zero);
    }

    private static SharedFrame Sealed()
    {
        SharedFrame frame = SharedFrame.Rent();
        frame.Seal(WebSocketOpcode.Text);
        return frame;
    }

    private static void Push(ref OutboundQueue queue, SharedFrame frame)
    {
        queue.Enter();
        queue.Push(frame);
        queue.Exit();
    }

    private static void Drain(ref OutboundQueue queue)
    {
        queue.Enter();
        while (queue.Count > 0) queue.Dequeue().Release();
        queue.ReturnRingIfEmpty();
        queue.Exit();
    }
}
