using System.Buffers;
using System.Text;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.WebSockets;

public class FrameWriterTests
{
    [Test]
    public void Write_ServerTextHello_IsTheRfcExampleFrame()
    {
        var buffer = new byte[32];
        int n = FrameWriter.Server.Write(buffer, WebSocketOpcode.Text, "Hello"u8);
        Assert.That(buffer.AsSpan(0, n).ToArray(), Is.EqualTo(Segmentations.Hex("81 05 48 65 6c 6c 6f")));   // RFC 6455 §5.7
    }

    [Test]
    public void Write_ServerFragments_AreTheRfcExampleFrames()
    {
        var buffer = new byte[32];
        int n = FrameWriter.Server.Write(buffer, WebSocketOpcode.Text, "Hel"u8, fin: false);
        n += FrameWriter.Server.Write(buffer.AsSpan(n), WebSocketOpcode.Continuation, "lo"u8, fin: true);
        Assert.That(buffer.AsSpan(0, n).ToArray(), Is.EqualTo(Segmentations.Hex("01 03 48 65 6c 80 02 6c 6f")));
    }

    [TestCase(0, "82 00")]
    [TestCase(125, "82 7d")]
    [TestCase(126, "82 7e 00 7e")]
    [TestCase(256, "82 7e 01 00")]                        // RFC 6455 §5.7
    [TestCase(65535, "82 7e ff ff")]
    [TestCase(65536, "82 7f 00 00 00 00 00 01 00 00")]    // RFC 6455 §5.7
    public void Write_ServerBinaryAtLengthBoundaries_UsesMinimalLength(int length, string header)
    {
        byte[] payload = new byte[length];
        new Random(length).NextBytes(payload);
        var buffer = new byte[length + 14];
        int n = FrameWriter.Server.Write(buffer, WebSocketOpcode.Binary, payload);
        byte[] expectedHeader = Segmentations.Hex(header);
        Assert.That(n, Is.EqualTo(expectedHeader.Length + length));
        Assert.That(buffer.AsSpan(0, expectedHeader.Length).ToArray(), Is.EqualTo(expectedHeader));
        Assert.That(buffer.AsSpan(expectedHeader.Length, length).ToArray(), Is.EqualTo(payload));
        Assert.That(FrameWriter.GetHeaderLength(length, masked: false), Is.EqualTo(expectedHeader.Length));
    }

    [TestCase(0), TestCase(1), TestCase(125), TestCase(126), TestCase(65535), TestCase(65536), TestCase(100_000)]
    public void Write_ClientFrame_IsMaskedAndReadsBackOnTheServer(int length)
    {
        byte[] payload = new byte[length];
        new Random(length).NextBytes(payload);
        var writer = new FrameWriter(masked: true);
        var buffer = new byte[writer.GetFrameLength(length)];
        int n = writer.Write(buffer, WebSocketOpcode.Binary, payload);
        Assert.That(n, Is.EqualTo(buffer.Length));
        Assert.That(buffer[1] & 0x80, Is.EqualTo(0x80), "mask bit");
        var reader = new WebSocketReader(isServer: true, 1 << 20, 16);
        var (events, _, _) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(buffer));
        Assert.That(events.Single().Payload, Is.EqualTo(payload));
    }

    [Test]
    public void Write_ClientFrames_UseFreshKeys()
    {
        var writer = new FrameWriter(masked: true);
        var keys = new HashSet<uint>();
        var buffer = new byte[16];
        for (int i = 0; i < 40; i++)   // more than one refill of the key buffer
        {
            writer.Write(buffer, WebSocketOpcode.Text, "hi"u8);
            keys.Add(Masking.FromKey(buffer.AsSpan(2, 4)));
        }

        // 40 random 32-bit keys collide with probability below 1e-6.
        Assert.That(keys, Has.Count.EqualTo(40));
    }

    [Test]
    public void Write_ClientTextFragmentsAndPing_ReassembleOnTheServer()
    {
        var writer = new FrameWriter(masked: true);
        var output = new ArrayBufferWriter<byte>();
        writer.Write(output, WebSocketOpcode.Text, "Hé"u8, fin: false);
        writer.Write(output, WebSocketOpcode.Ping, "p"u8);
        writer.Write(output, WebSocketOpcode.Continuation, "llo"u8, fin: true);
        var reader = new WebSocketReader(isServer: true, 1024, 16);
        var (events, _, _) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(output.WrittenSpan));
        Assert.That(events.Select(e => $"{e.Type}:{e.Text}"), Is.EqualTo(new[] { "Ping:p", "Message:Héllo" }));
    }

    [Test]
    public void Write_ServerFrame_ReadsBackOnTheClient()
    {
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.Server.Write(output, WebSocketOpcode.Text, Encoding.UTF8.GetBytes(new string('z', 70_000)));
        var reader = new WebSocketReader(isServer: false, 1 << 20, 16);
        var (events, _, _) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(output.WrittenSpan));
        Assert.That(events.Single().Payload, Has.Length.EqualTo(70_000));
    }

    [Test]
    public void Write_ControlFrameOver125Bytes_Throws() =>
        Assert.That(() => FrameWriter.Server.Write(new byte[200], WebSocketOpcode.Ping, new byte[126]), Throws.ArgumentException);

    [Test]
    public void Write_FragmentedControlFrame_Throws() =>
        Assert.That(() => FrameWriter.Server.Write(new byte[200], WebSocketOpcode.Pong, new byte[1], fin: false), Throws.ArgumentException);

    [Test]
    public void Write_DestinationTooShort_Throws() =>
        Assert.That(() => FrameWriter.Server.Write(new byte[5], WebSocketOpcode.Text, "Hello"u8), Throws.InstanceOf<ArgumentException>());

    [Test]
    public void WriteClose_ServerCodeAndReason_WritesCloseFrame()
    {
        var buffer = new byte[200];
        int n = FrameWriter.Server.WriteClose(buffer, WebSocketCloseCode.PolicyViolation, "slow consumer");
        Assert.That(buffer.AsSpan(0, n).ToArray(), Is.EqualTo(Segmentations.Hex("88 0f 03 f0").Concat("slow consumer"u8.ToArray()).ToArray()));
    }

    [Test]
    public void WriteClose_LongReason_FitsAControlFrameAndReadsBack()
    {
        var writer = new FrameWriter(masked: true);
        var output = new ArrayBufferWriter<byte>();
        writer.WriteClose(output, WebSocketCloseCode.GoingAway, string.Concat(Enumerable.Repeat("ß", 100)));   // 200 bytes of UTF-8
        var reader = new WebSocketReader(isServer: true, 1024, 16);
        var (events, status, _) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(output.WrittenSpan));
        Assert.That(status, Is.EqualTo(OperationStatus.NeedMoreData));
        Assert.That(events.Single().Code, Is.EqualTo(WebSocketCloseCode.GoingAway));
        Assert.That(events.Single().Text, Is.EqualTo(string.Concat(Enumerable.Repeat("ß", 61))));   // 122 bytes: a 62nd "ß" would split
    }

    [Test]
    public void WriteClose_NoStatus_WritesEmptyCloseFrame()
    {
        var buffer = new byte[16];
        int n = FrameWriter.Server.WriteClose(buffer, WebSocketCloseCode.NoStatusReceived, "");
        Assert.That(buffer.AsSpan(0, n).ToArray(), Is.EqualTo(new byte[] { 0x88, 0x00 }));
    }

    [Test]
    public void Write_ServerAndClientFrames_AllocateNothing()
    {
        var client = new FrameWriter(masked: true);
        var buffer = new byte[5000];
        byte[] payload = new byte[4096];
        void WriteAll()
        {
            for (int i = 0; i < 20; i++)   // more than one refill of the client's key buffer
            {
                FrameWriter.Server.Write(buffer, WebSocketOpcode.Text, payload.AsSpan(0, 100));
                client.Write(buffer, WebSocketOpcode.Binary, payload);
                client.WriteClose(buffer, WebSocketCloseCode.NormalClosure, "bye");
            }
        }

        WriteAll();
        long before = GC.GetAllocatedBytesForCurrentThread();
        WriteAll();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
