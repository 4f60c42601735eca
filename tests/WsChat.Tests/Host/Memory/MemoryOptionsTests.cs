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
        Assert.That(options.TrimCheckInterval, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
        Assert.That(options.TrimPolicy, Is.EqualTo(new NativeTrimPolicy(256L << 10, 4L << 20)));
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
        Assert.DoesNotThrow(new MemoryOptions { TrimCheckInterval = TimeSpan.Zero, TrimQuietBytes = 0, TrimBurstBytes = 0 }.Validate);
        Assert.Throws<InvalidOperationException>(new MemoryOptions { TrimCheckInterval = TimeSpan.FromTicks(-1) }.Validate);
        Assert.Throws<InvalidOperationException>(new MemoryOptions { TrimQuietBytes = -1 }.Validate);
        Assert.Throws<InvalidOperationException>(new MemoryOptions { TrimBurstBytes = -1 }.Validate);
    }

    [Test]
    public void LoadOptions_CommandLine_SetsTheMemorySection()
    {
        var options = WsChatHost.LoadOptions(["--WsChat:Memory:ArenaMax=0", "--WsChat:Memory:TrimCheckInterval=00:00:00", "--WsChat:Memory:TrimBurstBytes=1048576"]);
        Assert.That(options.Memory.ArenaMax, Is.Zero);
        Assert.That(options.Memory.TrimCheckInterval, Is.EqualTo(TimeSpan.Zero));
        Assert.That(options.Memory.TrimBurstBytes, Is.EqualTo(1L << 20));
    }
}
