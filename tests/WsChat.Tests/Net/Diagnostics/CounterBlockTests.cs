using WsChat.Net.Diagnostics;

namespace WsChat.Tests.Net.Diagnostics;

public class CounterBlockTests
{
    [Test]
    public void AddSetRead_SingleOwner_ReadsWhatWasWritten()
    {
        var block = new CounterBlock(3);
        block.Increment(0);
        block.Add(0, 4);
        block.Add(1, -2);
        block.Set(2, 42);
        Assert.Multiple(() =>
        {
            Assert.That(block.Read(0), Is.EqualTo(5));
            Assert.That(block.Read(1), Is.EqualTo(-2));
            Assert.That(block.Read(2), Is.EqualTo(42));
        });
    }

    [Test]
    public void Read_FromAnotherThreadWhileTheOwnerWrites_SeesTheFinalValue()
    {
        var block = new CounterBlock(1);
        var owner = new Thread(() => { for (int i = 0; i < 1_000_000; i++) block.Increment(0); });
        owner.Start();
        long seen = 0;
        while (owner.IsAlive)
        {
            long now = block.Read(0);
            Assert.That(now, Is.GreaterThanOrEqualTo(seen), "a single owner's counter never goes back");
            seen = now;
        }

        owner.Join();
        Assert.That(block.Read(0), Is.EqualTo(1_000_000));
    }

    [Test]
    public void Increment_SteadyState_AllocatesNothing()
    {
        var block = new CounterBlock(2);
        block.Increment(0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) block.Increment(i & 1);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Read_IndexPastTheEnd_Throws() =>
        Assert.That(() => new CounterBlock(2).Read(2), Throws.TypeOf<ArgumentOutOfRangeException>());
}
