using WsChat.Core.Shards;

namespace WsChat.Tests.Core.Shards;

/// <summary>
/// The shard's inbox: the consumer sleeps without spinning, so a wake-up lost between "the queue is empty" and "asleep"
/// would leave a command waiting until the consumer's idle timeout. These tests wait with an infinite timeout, so a
/// lost wake-up shows as a consumer that never finishes (bounded by a generous wait, never a speed assertion).
/// </summary>
[CancelAfter(120_000)]
public class ShardQueueTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public void Queue_ProducersOnOtherThreads_ConsumerSleepingInBetweenGetsEveryCommandInOrder()
    {
        const int Producers = 3, PerProducer = 20_000;
        using var queue = new ShardQueue(capacity: int.MaxValue);
        var next = new long[Producers];
        int received = 0, outOfOrder = 0, refused = 0;
        var consumer = new Thread(() =>
        {
            while (received < Producers * PerProducer)
            {
                while (queue.TryDequeue(out ShardCommand command))
                {
                    // Each producer's commands carry (producer, sequence): per producer they must come in order.
                    int producer = command.Limit;
                    if (command.Since != next[producer]) outOfOrder++;
                    next[producer] = command.Since + 1;
                    received++;
                }

                if (received < Producers * PerProducer) queue.Wait(Timeout.Infinite);
            }
        }) { IsBackground = true, Name = "test shard consumer" };
        consumer.Start();

        var producers = Enumerable.Range(0, Producers).Select(p => new Thread(() =>
        {
            var random = new Random(p);
            for (int i = 0; i < PerProducer; i++)
            {
                if (!queue.TryEnqueue(new ShardCommand { Kind = ShardCommandKind.Message, Limit = p, Since = i })) Interlocked.Increment(ref refused);
                // Pauses of varying length let the consumer run dry and go to sleep between commands.
                if (random.Next(8) == 0) Thread.Yield();
                if (random.Next(256) == 0) Thread.Sleep(1);
            }
        }) { IsBackground = true }).ToList();
        foreach (Thread t in producers) t.Start();
        foreach (Thread t in producers) Assert.That(t.Join(Generous), Is.True, "a producer did not finish");

        Assert.That(refused, Is.Zero);
        Assert.That(consumer.Join(Generous), Is.True, $"the consumer stopped at {received} of {Producers * PerProducer}: a wake-up was lost");
        Assert.That(received, Is.EqualTo(Producers * PerProducer));
        Assert.That(outOfOrder, Is.Zero);
        Assert.That(queue.Count, Is.Zero);
    }

    [Test]
    public void Queue_OneCommandWhileTheConsumerSleeps_WakesIt()
    {
        using var queue = new ShardQueue(capacity: 16);
        for (int round = 0; round < 200; round++)
        {
            using var asleep = new ManualResetEventSlim();
            bool got = false;
            var consumer = new Thread(() =>
            {
                asleep.Set();
                while (!queue.TryDequeue(out _)) queue.Wait(Timeout.Infinite);
                got = true;
            }) { IsBackground = true };
            consumer.Start();
            asleep.Wait();
            if (round % 2 == 0) Thread.Sleep(1);   // half the rounds: enqueue once the consumer is most likely asleep
            queue.Enqueue(new ShardCommand { Kind = ShardCommandKind.Message });
            Assert.That(consumer.Join(Generous), Is.True, $"round {round}: the sleeping consumer was not woken");
            Assert.That(got, Is.True);
        }
    }

    [Test]
    public void TryEnqueue_AtCapacity_RefusesAndCountsNothing()
    {
        using var queue = new ShardQueue(capacity: 2);
        Assert.That(queue.TryEnqueue(new ShardCommand()), Is.True);
        Assert.That(queue.TryEnqueue(new ShardCommand()), Is.True);
        Assert.That(queue.TryEnqueue(new ShardCommand()), Is.False, "one past the capacity");
        Assert.That(queue.Count, Is.EqualTo(2));
        queue.Enqueue(new ShardCommand());   // past the bound on purpose (completions, disconnects)
        Assert.That(queue.Count, Is.EqualTo(3));
    }
}
