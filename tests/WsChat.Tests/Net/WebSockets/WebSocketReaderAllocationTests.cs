using System.Buffers;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.WebSockets;

/// <summary>The steady state allocates nothing (DESIGN.md: zero allocations per message).</summary>
public class WebSocketReaderAllocationTests
{
    private static long Measure(Action action, int warmup = 3, int runs = 20)
    {
        for (int i = 0; i < warmup; i++) action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < runs; i++) action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Test]
    public void TryRead_SingleFrameTextMessages_AllocateNothing()
    {
        byte[] template = TestFrames.Concat(TestFrames.ClientText("""{"type":"message","room":"general","text":"hi"}"""), TestFrames.Client(WebSocketOpcode.Ping, "p"u8));
        var buffer = new byte[template.Length];
        var reader = new WebSocketReader(isServer: true, 65536, 1024);
        int messages = 0;
        long allocated = Measure(() =>
        {
            template.CopyTo(buffer, 0);   // the reader unmasks in place
            var input = new ReadOnlySequence<byte>(buffer);
            while (reader.TryRead(ref input, out WebSocketEvent evt, out _) == OperationStatus.Done) messages++;
        });
        Assert.That(messages, Is.EqualTo(46));
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void TryRead_FragmentedMessagesAcrossSegments_AllocateNothing()
    {
        byte[] first = TestFrames.ClientText(new string('a', 300), fin: false);
        byte[] second = TestFrames.Client(WebSocketOpcode.Continuation, "bbbb"u8, fin: true);
        byte[] ping = TestFrames.Client(WebSocketOpcode.Ping, "ping!"u8);
        byte[] all = TestFrames.Concat(first, ping, second);
        // Three segments with cuts inside the payloads and inside the ping, so every copy path runs.
        byte[] a = all[..100], b = all[100..(first.Length + 3)], c = all[(first.Length + 3)..];
        ReadOnlySequence<byte> input = Segmentations.FromSegments(a, b, c);
        var reader = new WebSocketReader(isServer: true, 65536, 1024);
        int events = 0;
        long allocated = Measure(() =>
        {
            ReadOnlySequence<byte> copy = input;
            while (reader.TryRead(ref copy, out _, out _) == OperationStatus.Done) events++;
        });
        Assert.That(events, Is.EqualTo(46));
        Assert.That(allocated, Is.Zero);
    }
}
