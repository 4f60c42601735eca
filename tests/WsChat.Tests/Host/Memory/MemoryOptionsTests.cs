using WsChat.Host;
using WsChat.Host.Memory;

namespace WsChat.Tests.Host.Memory;

public class MemoryOptionsTests
{
    [Test]
    public void Defaults_AreValidAndOn()
    {
        var options = new MemoryOptions();
        Assert.DoesNotThrow(options.Validate);
        Assert.That(options.ArenaMax, Is.EqualTo(2));
        Assert.That(options.ReclaimCheckInterval, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
        var slack = new Gen2GarbageLimit(4L << 20, 0.1);
        Assert.That(options.ToReclaimPolicy(slack), Is.EqualTo(new ReclaimPolicy(256L << 10, 4L << 20, slack)));
        Assert.That(new MemoryOptions { CollectWhenQuiet = false }.ToReclaimPolicy(slack).HeapSlack, Is.Null);
    }

    [Test]
    public void Validate_ArenaMaxAtTheLimit_Passes_OnePast_Throws()
    {
        Assert.DoesNotThrow(new MemoryOptions { ArenaMax = 1024 }.Validate);
        Assert.Throws<InvalidOperationException>(new MemoryOptions { ArenaMax = 1025 }.Validate);
        Assert.DoesNotThrow(new MemoryOptions { ArenaMax = 0 }.Validate);
        Assert.Throws<InvalidOperationException>(new MemoryOptions { ArenaMax = -1 }.Validate);
    }

    [Test]
    public void Validate_NegativeIntervalOrThresholds_Throws()
    {
        Assert.DoesNotThrow(new MemoryOptions { ReclaimCheckInterval = TimeSpan.Zero, QuietBytes = 0, BurstBytes = 0 }.Validate);
        Assert.Throws<InvalidOperationException>(new MemoryOptions { ReclaimCheckInterval = TimeSpan.FromTicks(-1) }.Validate);
        Assert.Throws<InvalidOperationException>(new MemoryOptions { QuietBytes = -1 }.Validate);
        Assert.Throws<InvalidOperationException>(new MemoryOptions { BurstBytes = -1 }.Validate);
    }

    [Test]
    public void LoadOptions_CommandLine_SetsTheMemorySection()
    {
        var options = WsChatHost.LoadOptions(["--WsChat:Memory:ArenaMax=0", "--WsChat:Memory:ReclaimCheckInterval=00:00:00", "--WsChat:Memory:BurstBytes=1048576", "--WsChat:Memory:CollectWhenQuiet=false"]);
        Assert.That(options.Memory.ArenaMax, Is.Zero);
        Assert.That(options.Memory.ReclaimCheckInterval, Is.EqualTo(TimeSpan.Zero));
        Assert.That(options.Memory.BurstBytes, Is.EqualTo(1L << 20));
        Assert.That(options.Memory.CollectWhenQuiet, Is.False);
    }
}
