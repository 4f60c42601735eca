using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.WebSockets;

public class WebSocketReaderTests
{
    // RFC 6455 §5.7 examples.
    private const string MaskedHello = "81 85 37 fa 21 3d 7f 9f 4d 51 58";
    private const string UnmaskedHello = "81 05 48 65 6c 6c 6f";
    private const string FragmentedHello = "01 03 48 65 6c 80 02 6c 6f";
    private const string UnmaskedPing = "89 05 48 65 6c 6c 6f";
    private const string MaskedPong = "8a 85 37 fa 21 3d 7f 9f 4d 51 58";

    private static WebSocketReader Server(int maxMessage = 64 * 1024, int maxFrames = 1024) => new(isServer: true, maxMessage, maxFrames);

    private static WebSocketReader Client(int maxMessage = 64 * 1024, int maxFrames = 1024) => new(isServer: false, maxMessage, maxFrames);

    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.Of), new object[] { MaskedHello })]
    public void TryRead_MaskedTextFrame_YieldsHello(ReadOnlySequence<byte> input)
    {
        WebSocketReader reader = Server();
        var (events, status, _) = ReaderDriver.ReadAll(ref reader, input);
        Assert.That(events, Has.Count.EqualTo(1));
        Assert.That(events[0].Type, Is.EqualTo(WebSocketEventType.Message));
        Assert.That(events[0].Opcode, Is.EqualTo(WebSocketOpcode.Text));
        Assert.That(events[0].Text, Is.EqualTo("Hello"));
        Assert.That(status, Is.EqualTo(OperationStatus.NeedMoreData));
        Assert.That(reader.HoldsBuffer, Is.False);
    }

    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.Of), new object[] { UnmaskedHello })]
    public void TryRead_ClientSideUnmaskedTextFrame_YieldsHello(ReadOnlySequence<byte> input)
    {
        WebSocketReader reader = Client();
        var (events, _, _) = ReaderDriver.ReadAll(ref reader, input);
        Assert.That(events.Select(e => e.Text), Is.EqualTo(new[] { "Hello" }));
    }

    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.Of), new object[] { FragmentedHello })]
    public void TryRead_FragmentedUnmaskedText_ReassemblesHello(ReadOnlySequence<byte> input)
    {
        WebSocketReader reader = Client();
        var (events, status, _) = ReaderDriver.ReadAll(ref reader, input);
        Assert.That(events.Select(e => e.Text), Is.EqualTo(new[] { "Hello" }));
        Assert.That(status, Is.EqualTo(OperationStatus.NeedMoreData));
        Assert.That(reader.HoldsBuffer, Is.False);
    }

    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.Of), new object[] { UnmaskedPing })]
    public void TryRead_ClientSidePing_YieldsPingWithPayload(ReadOnlySequence<byte> input)
    {
        WebSocketReader reader = Client();
        var (events, _, _) = ReaderDriver.ReadAll(ref reader, input);
        Assert.That(events, Has.Count.EqualTo(1));
        Assert.That(events[0].Type, Is.EqualTo(WebSocketEventType.Ping));
        Assert.That(events[0].Text, Is.EqualTo("Hello"));
    }

    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.Of), new object[] { MaskedPong })]
    public void TryRead_MaskedPong_YieldsPongWithPayload(ReadOnlySequence<byte> input)
    {
        WebSocketReader reader = Server();
        var (events, _, _) = ReaderDriver.ReadAll(ref reader, input);
        Assert.That(events, Has.Count.EqualTo(1));
        Assert.That(events[0].Type, Is.EqualTo(WebSocketEventType.Pong));
        Assert.That(events[0].Text, Is.EqualTo("Hello"));
    }

    [Test]
    public void TryRead_Rfc256ByteBinary_YieldsPayload()
    {
        byte[] payload = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        byte[] frame = [0x82, 0x7E, 0x01, 0x00, .. payload];   // RFC 6455 §5.7: 256 bytes, 16-bit length
        foreach ((string name, ReadOnlySequence<byte> input) in Segmentations.All(frame))
        {
            WebSocketReader reader = Client();
            var (events, _, _) = ReaderDriver.ReadAll(ref reader, input);
            Assert.That(events, Has.Count.EqualTo(1), name);
            Assert.That(events[0].Opcode, Is.EqualTo(WebSocketOpcode.Binary), name);
            Assert.That(events[0].Payload, Is.EqualTo(payload), name);
        }
    }

    [Test]
    public void TryRead_Rfc64KiBBinary_YieldsPayload()
    {
        byte[] payload = Enumerable.Range(0, 65536).Select(i => (byte)(i * 7)).ToArray();
        byte[] frame = [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0, .. payload];   // RFC 6455 §5.7: 64 KiB, 64-bit length
        foreach (int split in new[] { 1, 5, 10, 11, 4000, 65545 })
        {
            WebSocketReader reader = Client();
            var (events, _, _) = ReaderDriver.ReadAll(ref reader, Segmentations.Split(frame, split));
            Assert.That(events, Has.Count.EqualTo(1), $"split@{split}");
            Assert.That(events[0].Payload, Is.EqualTo(payload), $"split@{split}");
        }
    }

    [Test]
    public void TryRead_UnmaskedFrameOnServer_FailsWith1002()
    {
        WebSocketReader reader = Server();
        var (_, status, error) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(Segmentations.Hex(UnmaskedHello)));
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.ProtocolError));
    }

    [Test]
    public void TryRead_MaskedFrameOnClient_FailsWith1002()
    {
        WebSocketReader reader = Client();
        var (_, status, error) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(Segmentations.Hex(MaskedHello)));
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.ProtocolError));
    }

    [Test]
    public void Size_OfReaderState_IsAtMost56Bytes()
    {
        // The per-connection struct's size is documented in WebSocketReader; this keeps the comment honest.
        Assert.That(Unsafe.SizeOf<WebSocketReader>(), Is.LessThanOrEqualTo(56));
    }

    [Test]
    public void TryRead_CloseWithCodeAndReason_YieldsClose()
    {
        WebSocketReader reader = Server();
        byte[] frame = TestFrames.ClientClose(1000, "bye"u8);
        var (events, _, _) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(frame));
        Assert.That(events, Has.Count.EqualTo(1));
        Assert.That(events[0].Type, Is.EqualTo(WebSocketEventType.Close));
        Assert.That(events[0].Code, Is.EqualTo(WebSocketCloseCode.NormalClosure));
        Assert.That(events[0].Text, Is.EqualTo("bye"));
        Assert.That(reader.CloseReceived, Is.True);
    }

    [Test]
    public void TryRead_TextSplitAcrossFragments_Reassembles()
    {
        byte[] text = Encoding.UTF8.GetBytes("héllo wörld €𝄞");
        byte[] input = TestFrames.Concat(
            TestFrames.Client(WebSocketOpcode.Text, text.AsSpan(0, 2), fin: false),
            TestFrames.Client(WebSocketOpcode.Continuation, text.AsSpan(2, 9), fin: false),
            TestFrames.Client(WebSocketOpcode.Continuation, text.AsSpan(11), fin: true));
        WebSocketReader reader = Server();
        var (events, _, _) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(input));
        Assert.That(events.Select(e => e.Text), Is.EqualTo(new[] { "héllo wörld €𝄞" }));
    }
}

public class WebSocketReaderSegmentationTests
{
    [Test]
    public void TryRead_MultiByteTextWith16BitLength_ParsesAtEverySplit()
    {
        string text = string.Concat(Enumerable.Repeat("ä€𝄞x", 20));   // 200 bytes: code points straddle most splits
        byte[] frame = TestFrames.ClientText(text);
        foreach ((string name, ReadOnlySequence<byte> input) in Segmentations.All(frame))
        {
            var reader = new WebSocketReader(isServer: true, 1024, 4);
            var (events, status, error) = ReaderDriver.ReadAll(ref reader, input);
            Assert.That(status, Is.EqualTo(OperationStatus.NeedMoreData), $"{name}: {error}");
            Assert.That(events.Single().Text, Is.EqualTo(text), name);
        }
    }

    [Test]
    public void TryRead_SeveralMessagesInOneBuffer_YieldsEachInOrder()
    {
        byte[] input = TestFrames.Concat(TestFrames.ClientText("one"), TestFrames.Client(WebSocketOpcode.Binary, [1, 2]),
            TestFrames.ClientText("thr", fin: false), TestFrames.Client(WebSocketOpcode.Continuation, "ee"u8), TestFrames.ClientText(""));
        foreach ((string name, ReadOnlySequence<byte> sequence) in Segmentations.All(input))
        {
            var reader = new WebSocketReader(isServer: true, 1024, 4);
            var (events, _, _) = ReaderDriver.ReadAll(ref reader, sequence);
            Assert.That(events.Select(e => $"{e.Opcode}:{Convert.ToHexString(e.Payload)}"),
                Is.EqualTo(new[] { "Text:6F6E65", "Binary:0102", "Text:7468726565", "Text:" }), name);
        }
    }

    [Test]
    public void TryRead_ZeroMessageLimit_AcceptsOnlyEmptyMessages()
    {
        var reader = new WebSocketReader(isServer: true, 0, 4);
        var (events, status, _) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(TestFrames.ClientText("")));
        Assert.That(events, Has.Count.EqualTo(1));
        Assert.That(status, Is.EqualTo(OperationStatus.NeedMoreData));
        (_, status, WebSocketCloseCode error) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(TestFrames.ClientText("x")));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.MessageTooBig));
    }

    [Test]
    public void Constructor_InvalidLimits_Throw()
    {
        Assert.That(() => new WebSocketReader(true, -1, 4), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new WebSocketReader(true, 10, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
