using System.Buffers;
using System.Text;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.WebSockets;

/// <summary>Message size and frame count limits, fragmentation rules, hostile input.</summary>
public class WebSocketReaderLimitTests
{
    private static WebSocketReader Server(int maxMessage = 1024, int maxFrames = 16) => new(isServer: true, maxMessage, maxFrames);

    private static (List<ReadEvent> Events, OperationStatus Status, WebSocketCloseCode Error) Read(byte[] bytes, int maxMessage = 1024, int maxFrames = 16)
    {
        WebSocketReader reader = Server(maxMessage, maxFrames);
        return ReaderDriver.ReadAll(ref reader, Segmentations.Whole(bytes));
    }

    private static void AssertFails(byte[] bytes, WebSocketCloseCode expected, int maxMessage = 1024, int maxFrames = 16)
    {
        foreach ((string name, ReadOnlySequence<byte> input) in Segmentations.All(bytes))
        {
            WebSocketReader reader = Server(maxMessage, maxFrames);
            var (_, status, error) = ReaderDriver.ReadAll(ref reader, input);
            Assert.That(status, Is.EqualTo(OperationStatus.InvalidData), name);
            Assert.That(error, Is.EqualTo(expected), name);
        }
    }

    [Test]
    public void TryRead_SingleFrameMessageAtLimit_IsDelivered()
    {
        var (events, _, _) = Read(TestFrames.Client(WebSocketOpcode.Binary, new byte[1024]));
        Assert.That(events.Single().Payload, Has.Length.EqualTo(1024));
    }

    [Test]
    public void TryRead_SingleFrameMessageOnePastLimit_FailsWith1009BeforeThePayload()
    {
        byte[] frame = TestFrames.Client(WebSocketOpcode.Binary, new byte[1025]);
        // Only the 8 header bytes: the limit is judged before any payload is read or buffered.
        WebSocketReader reader = Server();
        var (_, status, error) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(frame.AsSpan(0, 8)));
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.MessageTooBig));
        Assert.That(reader.HoldsBuffer, Is.False);
    }

    [Test]
    public void TryRead_FragmentedMessageAtLimit_IsDelivered()
    {
        byte[] input = TestFrames.Concat(
            TestFrames.Client(WebSocketOpcode.Text, new byte[500].Select(_ => (byte)'a').ToArray(), fin: false),
            TestFrames.Client(WebSocketOpcode.Continuation, new byte[524].Select(_ => (byte)'b').ToArray(), fin: true));
        var (events, _, _) = Read(input);
        Assert.That(events.Single().Payload, Has.Length.EqualTo(1024));
    }

    [Test]
    public void TryRead_FragmentedMessageOnePastLimit_FailsWith1009() =>
        AssertFails(TestFrames.Concat(
            TestFrames.Client(WebSocketOpcode.Binary, new byte[500], fin: false),
            TestFrames.Client(WebSocketOpcode.Continuation, new byte[525], fin: true)), WebSocketCloseCode.MessageTooBig);

    [Test]
    public void TryRead_MessageOfMaxFrames_IsDelivered()
    {
        var frames = new List<byte[]> { TestFrames.Client(WebSocketOpcode.Text, "a"u8, fin: false) };
        for (int i = 1; i < 15; i++) frames.Add(TestFrames.Client(WebSocketOpcode.Continuation, "b"u8, fin: false));
        frames.Add(TestFrames.Client(WebSocketOpcode.Continuation, "c"u8, fin: true));   // frame 16 of 16
        var (events, _, _) = Read(TestFrames.Concat([.. frames]));
        Assert.That(events.Single().Text, Is.EqualTo("a" + new string('b', 14) + "c"));
    }

    [Test]
    public void TryRead_MessageOfMaxFramesPlusOne_FailsWith1009()
    {
        var frames = new List<byte[]> { TestFrames.Client(WebSocketOpcode.Text, "a"u8, fin: false) };
        for (int i = 1; i < 16; i++) frames.Add(TestFrames.Client(WebSocketOpcode.Continuation, "b"u8, fin: false));
        frames.Add(TestFrames.Client(WebSocketOpcode.Continuation, "c"u8, fin: true));   // frame 17
        var (events, status, error) = Read(TestFrames.Concat([.. frames]));
        Assert.That(events, Is.Empty);
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.MessageTooBig));
    }

    [Test]
    public void TryRead_EndlessEmptyContinuationFrames_FailsWith1009AtTheFrameLimit()
    {
        // Empty fragments cost no bytes, so only the frame-count limit stops them.
        byte[] empty = TestFrames.Client(WebSocketOpcode.Continuation, [], fin: false);
        byte[] start = TestFrames.Client(WebSocketOpcode.Text, [], fin: false);
        WebSocketReader reader = Server(maxMessage: 1024, maxFrames: 1024);
        var input = Segmentations.Whole(start);
        Assert.That(reader.TryRead(ref input, out _, out _), Is.EqualTo(OperationStatus.NeedMoreData));
        int frames = 1;
        while (true)
        {
            input = Segmentations.Whole(TestFrames.Concat(Enumerable.Repeat(empty, 100).ToArray()));
            OperationStatus status = reader.TryRead(ref input, out _, out WebSocketCloseCode error);
            if (status == OperationStatus.InvalidData)
            {
                Assert.That(error, Is.EqualTo(WebSocketCloseCode.MessageTooBig));
                break;
            }

            frames += 100;
            Assert.That(frames, Is.LessThan(2000), "the reader kept accepting empty fragments");
        }
    }

    [Test]
    public void TryRead_ContinuationWithoutMessage_FailsWith1002() =>
        AssertFails(TestFrames.Client(WebSocketOpcode.Continuation, "x"u8), WebSocketCloseCode.ProtocolError);

    [Test]
    public void TryRead_ContinuationAfterCompleteMessage_FailsWith1002() =>
        AssertFails(TestFrames.Concat(TestFrames.ClientText("done"), TestFrames.Client(WebSocketOpcode.Continuation, "x"u8)), WebSocketCloseCode.ProtocolError);

    [TestCase(WebSocketOpcode.Text)]
    [TestCase(WebSocketOpcode.Binary)]
    public void TryRead_NewDataFrameInsideFragmentedMessage_FailsWith1002(WebSocketOpcode second) =>
        AssertFails(TestFrames.Concat(
            TestFrames.ClientText("part", fin: false),
            TestFrames.Client(second, "x"u8, fin: true)), WebSocketCloseCode.ProtocolError);

    [Test]
    public void TryRead_ControlFramesInsideFragmentedMessage_AreDeliveredImmediately()
    {
        byte[] input = TestFrames.Concat(
            TestFrames.ClientText("Hel", fin: false),
            TestFrames.Client(WebSocketOpcode.Ping, "p1"u8),
            TestFrames.Client(WebSocketOpcode.Continuation, "l"u8, fin: false),
            TestFrames.Client(WebSocketOpcode.Pong, "p2"u8),
            TestFrames.Client(WebSocketOpcode.Continuation, "o"u8, fin: true));
        foreach ((string name, ReadOnlySequence<byte> sequence) in Segmentations.All(input))
        {
            WebSocketReader reader = Server();
            var (events, status, _) = ReaderDriver.ReadAll(ref reader, sequence);
            Assert.That(events.Select(e => $"{e.Type}:{e.Text}"), Is.EqualTo(new[] { "Ping:p1", "Pong:p2", "Message:Hello" }), name);
            Assert.That(status, Is.EqualTo(OperationStatus.NeedMoreData), name);
        }
    }

    [Test]
    public void TryRead_PingInsideMessage_IsDeliveredBeforeTheMessageCompletes()
    {
        WebSocketReader reader = Server();
        var (events, status, _) = ReaderDriver.ReadPieces(ref reader, [
            TestFrames.ClientText("Hel", fin: false),
            TestFrames.Client(WebSocketOpcode.Ping, "now"u8),
        ]);
        Assert.That(events.Select(e => e.Type), Is.EqualTo(new[] { WebSocketEventType.Ping }));
        Assert.That(status, Is.EqualTo(OperationStatus.NeedMoreData));
        Assert.That(reader.InMessage, Is.True);
        Assert.That(reader.HoldsBuffer, Is.True, "the open message keeps its reassembly buffer");
    }

    [Test]
    public void TryRead_Ping125Bytes_IsDelivered()
    {
        var (events, _, _) = Read(TestFrames.Client(WebSocketOpcode.Ping, new byte[125]));
        Assert.That(events.Single().Payload, Has.Length.EqualTo(125));
    }

    [Test]
    public void TryRead_Ping126Bytes_FailsWith1002() =>
        AssertFails(TestFrames.Client(WebSocketOpcode.Ping, new byte[126]), WebSocketCloseCode.ProtocolError);

    [Test]
    public void TryRead_FragmentedPing_FailsWith1002() =>
        AssertFails(TestFrames.Concat(
            TestFrames.Client(WebSocketOpcode.Ping, "a"u8, fin: false),
            TestFrames.Client(WebSocketOpcode.Continuation, "b"u8, fin: true)), WebSocketCloseCode.ProtocolError);

    [TestCase(1), TestCase(2), TestCase(3)]
    public void TryRead_RsvBitOnDataFrame_FailsWith1002(int rsvBit) =>
        AssertFails(TestFrames.Frame(0x1, "x"u8, key: TestFrames.Key, rsv: 1 << (3 - rsvBit)), WebSocketCloseCode.ProtocolError);

    [TestCase(0x3), TestCase(0x7), TestCase(0xB), TestCase(0xF)]
    public void TryRead_ReservedOpcode_FailsWith1002(int opcode) =>
        AssertFails(TestFrames.Frame((byte)opcode, "x"u8, key: TestFrames.Key), WebSocketCloseCode.ProtocolError);

    [Test]
    public void TryRead_NonMinimalLength_FailsWith1002() =>
        AssertFails(TestFrames.Frame(0x1, "short"u8, key: TestFrames.Key, lengthBytes: 2), WebSocketCloseCode.ProtocolError);

    [Test]
    public void TryRead_TwoToThe63Length_FailsWith1002()
    {
        byte[] frame = Segmentations.Hex("82 ff 80 00 00 00 00 00 00 00 37 fa 21 3d");
        AssertFails(frame, WebSocketCloseCode.ProtocolError);
    }

    [Test]
    public void TryRead_TwoToThe62Length_FailsWith1009() =>
        AssertFails(Segmentations.Hex("82 ff 40 00 00 00 00 00 00 00 37 fa 21 3d"), WebSocketCloseCode.MessageTooBig);

    [Test]
    public void TryRead_InvalidUtf8InSingleFrame_FailsWith1007() =>
        AssertFails(TestFrames.Client(WebSocketOpcode.Text, Segmentations.Hex("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64")), WebSocketCloseCode.InvalidPayloadData);

    [Test]
    public void TryRead_InvalidUtf8InBinaryMessage_IsDelivered()
    {
        var (events, _, _) = Read(TestFrames.Client(WebSocketOpcode.Binary, [0xFF, 0xED, 0xA0, 0x80]));
        Assert.That(events.Single().Payload, Is.EqualTo(new byte[] { 0xFF, 0xED, 0xA0, 0x80 }));
    }

    [Test]
    public void TryRead_CodePointSplitAcrossFragments_IsValid()
    {
        byte[] euro = Encoding.UTF8.GetBytes("€");   // e2 82 ac
        for (int split = 1; split < 3; split++)
        {
            byte[] input = TestFrames.Concat(
                TestFrames.Client(WebSocketOpcode.Text, euro.AsSpan(0, split), fin: false),
                TestFrames.Client(WebSocketOpcode.Continuation, euro.AsSpan(split), fin: true));
            var (events, _, _) = Read(input);
            Assert.That(events.Single().Text, Is.EqualTo("€"), $"split {split}");
        }
    }

    [Test]
    public void TryRead_CodePointIncompleteAtFin_FailsWith1007()
    {
        AssertFails(TestFrames.Client(WebSocketOpcode.Text, [0x41, 0xE2, 0x82]), WebSocketCloseCode.InvalidPayloadData);
        AssertFails(TestFrames.Concat(
            TestFrames.Client(WebSocketOpcode.Text, [0x41, 0xE2], fin: false),
            TestFrames.Client(WebSocketOpcode.Continuation, [0x82], fin: true)), WebSocketCloseCode.InvalidPayloadData);
    }

    [Test]
    public void TryRead_InvalidUtf8InSecondFragment_FailsBeforeTheThirdArrives()
    {
        // Autobahn 6.4.1: the server must fail on the fragment that breaks UTF-8, not wait for FIN.
        WebSocketReader reader = Server();
        var (events, status, error) = ReaderDriver.ReadPieces(ref reader, [
            TestFrames.Client(WebSocketOpcode.Text, Segmentations.Hex("ce ba e1 bd b9 cf 83 ce bc ce b5"), fin: false),
            TestFrames.Client(WebSocketOpcode.Continuation, Segmentations.Hex("f4 90 80 80"), fin: false),
        ]);
        Assert.That(events, Is.Empty);
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.InvalidPayloadData));
    }

    [Test]
    public void TryRead_InvalidUtf8InTheMiddleOfAFrame_FailsBeforeTheFrameEnds()
    {
        // Autobahn 6.4.3: one frame sent in chops; the second chop is invalid, the rest never needs to arrive.
        byte[] payload = [.. Segmentations.Hex("ce ba e1 bd b9 cf 83 ce bc ce b5"), .. Segmentations.Hex("f4 90 80 80"), .. "edited"u8];
        byte[] frame = TestFrames.Client(WebSocketOpcode.Text, payload);
        int headerLength = 6;
        WebSocketReader reader = Server();
        var (events, status, error) = ReaderDriver.ReadPieces(ref reader, [
            frame[..(headerLength + 11)],
            frame[(headerLength + 11)..(headerLength + 13)],
        ]);
        Assert.That(events, Is.Empty);
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.InvalidPayloadData));
    }

    [Test]
    public void TryRead_EveryTruncationOfAFrame_NeedsMoreDataThenCompletes()
    {
        byte[] frame = TestFrames.Client(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(new string('x', 300) + "é"));
        for (int cut = 0; cut < frame.Length; cut++)
        {
            WebSocketReader reader = Server();
            var input = Segmentations.Whole(frame.AsSpan(0, cut));
            Assert.That(reader.TryRead(ref input, out _, out _), Is.EqualTo(OperationStatus.NeedMoreData), $"cut {cut}");
            // What the reader left unconsumed comes back in front of the rest, as a pipe would keep it.
            var rest = Segmentations.Whole([.. input.ToArray(), .. frame.AsSpan(cut)]);
            Assert.That(reader.TryRead(ref rest, out WebSocketEvent evt, out _), Is.EqualTo(OperationStatus.Done), $"cut {cut}");
            Assert.That(System.Text.Encoding.UTF8.GetString(evt.Payload.Span), Is.EqualTo(new string('x', 300) + "é"), $"cut {cut}");
            Assert.That(rest.IsEmpty, Is.True, $"cut {cut}");
        }
    }

    [Test]
    public void TryRead_AfterError_FailsAgainWithTheSameCode()
    {
        WebSocketReader reader = Server();
        var input = Segmentations.Whole(TestFrames.Client(WebSocketOpcode.Continuation, "x"u8));
        Assert.That(reader.TryRead(ref input, out _, out _), Is.EqualTo(OperationStatus.InvalidData));
        input = Segmentations.Whole(TestFrames.ClientText("fine"));
        Assert.That(reader.TryRead(ref input, out _, out WebSocketCloseCode error), Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.ProtocolError));
    }

    [Test]
    public void TryRead_RandomGarbage_NeverThrowsAndFailsOnlyWithFramingCodes()
    {
        var random = new Random(42);
        for (int round = 0; round < 2000; round++)
        {
            var bytes = new byte[random.Next(2, 64)];
            random.NextBytes(bytes);
            if (round % 2 == 0) bytes[1] |= 0x80;   // half of them masked, to get past the first check more often
            WebSocketReader reader = Server(maxMessage: 100, maxFrames: 4);
            var sequence = round % 3 == 0 ? Segmentations.ByteWise(bytes) : Segmentations.Whole(bytes);
            var (_, status, error) = ReaderDriver.ReadAll(ref reader, sequence);
            if (status == OperationStatus.InvalidData)
            {
                Assert.That(error, Is.AnyOf(WebSocketCloseCode.ProtocolError, WebSocketCloseCode.InvalidPayloadData, WebSocketCloseCode.MessageTooBig), Convert.ToHexString(bytes));
            }

            reader.Reset();
            Assert.That(reader.HoldsBuffer, Is.False);
        }
    }
}
