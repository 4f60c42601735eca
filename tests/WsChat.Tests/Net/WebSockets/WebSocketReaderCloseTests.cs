using System.Buffers;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.WebSockets;

/// <summary>Close frames (RFC 6455 §5.5.1, §7.4) and buffer ownership.</summary>
public class WebSocketReaderCloseTests
{
    private static WebSocketReader Server() => new(isServer: true, 64 * 1024, 1024);

    [Test]
    public void TryRead_EmptyClose_YieldsNoStatusReceived()
    {
        foreach ((string name, ReadOnlySequence<byte> input) in Segmentations.All(TestFrames.Client(WebSocketOpcode.Close, [])))
        {
            WebSocketReader reader = Server();
            var (events, _, _) = ReaderDriver.ReadAll(ref reader, input);
            Assert.That(events.Single().Type, Is.EqualTo(WebSocketEventType.Close), name);
            Assert.That(events.Single().Code, Is.EqualTo(WebSocketCloseCode.NoStatusReceived), name);
        }
    }

    [Test]
    public void TryRead_CloseWithReasonSplitAcrossSegments_YieldsCodeAndReason()
    {
        foreach ((string name, ReadOnlySequence<byte> input) in Segmentations.All(TestFrames.ClientClose(4001, "room closed"u8)))
        {
            WebSocketReader reader = Server();
            var (events, _, _) = ReaderDriver.ReadAll(ref reader, input);
            Assert.That((int)events.Single().Code, Is.EqualTo(4001), name);
            Assert.That(events.Single().Text, Is.EqualTo("room closed"), name);
        }
    }

    [Test]
    public void TryRead_CloseWithOneBytePayload_FailsWith1002()
    {
        WebSocketReader reader = Server();
        var (_, status, error) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(TestFrames.Client(WebSocketOpcode.Close, [0x03])));
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.ProtocolError));
    }

    [TestCase(0), TestCase(999), TestCase(1004), TestCase(1005), TestCase(1006), TestCase(1015), TestCase(1016), TestCase(2999), TestCase(5000), TestCase(65535)]
    public void TryRead_CloseWithInvalidCode_FailsWith1002(int code)
    {
        WebSocketReader reader = Server();
        var (_, status, error) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(TestFrames.ClientClose((ushort)code, [])));
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.ProtocolError));
    }

    [TestCase(1000), TestCase(1001), TestCase(1002), TestCase(1003), TestCase(1007), TestCase(1011), TestCase(1014), TestCase(3000), TestCase(4999)]
    public void TryRead_CloseWithValidCode_YieldsIt(int code)
    {
        WebSocketReader reader = Server();
        var (events, _, _) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(TestFrames.ClientClose((ushort)code, [])));
        Assert.That((int)events.Single().Code, Is.EqualTo(code));
    }

    [Test]
    public void TryRead_CloseWithInvalidUtf8Reason_FailsWith1007()
    {
        WebSocketReader reader = Server();
        var (_, status, error) = ReaderDriver.ReadAll(ref reader, Segmentations.Whole(TestFrames.ClientClose(1000, [0xCE, 0xBA, 0xED, 0xA0, 0x80])));
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.InvalidPayloadData));
    }

    [Test]
    public void TryRead_DataAfterClose_IsDiscarded()
    {
        WebSocketReader reader = Server();
        var input = Segmentations.Whole(TestFrames.Concat(TestFrames.ClientClose(1000, []), TestFrames.ClientText("late")));
        Assert.That(reader.TryRead(ref input, out WebSocketEvent evt, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(evt.Type, Is.EqualTo(WebSocketEventType.Close));
        Assert.That(reader.TryRead(ref input, out _, out _), Is.EqualTo(OperationStatus.NeedMoreData));
        Assert.That(input.IsEmpty, Is.True, "bytes after a close frame are consumed and dropped");
    }

    [Test]
    public void HoldsBuffer_AcrossAFragmentedMessage_OnlyWhileOpenOrLent()
    {
        WebSocketReader reader = Server();
        Assert.That(reader.HoldsBuffer, Is.False, "new reader");
        var input = Segmentations.Whole(TestFrames.ClientText("Hel", fin: false));
        reader.TryRead(ref input, out _, out _);
        Assert.That(reader.HoldsBuffer, Is.True, "message open");
        input = Segmentations.Whole(TestFrames.Client(WebSocketOpcode.Continuation, "lo"u8));
        Assert.That(reader.TryRead(ref input, out WebSocketEvent evt, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(evt.Payload.ToArray(), Is.EqualTo("Hello"u8.ToArray()));
        Assert.That(reader.InMessage, Is.False);
        Assert.That(reader.TryRead(ref input, out _, out _), Is.EqualTo(OperationStatus.NeedMoreData));
        Assert.That(reader.HoldsBuffer, Is.False, "the delivered message's buffer went back at the next call");
    }

    [Test]
    public void HoldsBuffer_AfterWholeSingleFrameMessage_IsFalse()
    {
        WebSocketReader reader = Server();
        var input = Segmentations.Whole(TestFrames.ClientText("Hello"));
        Assert.That(reader.TryRead(ref input, out _, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(reader.HoldsBuffer, Is.False, "a whole frame is unmasked in place, no buffer");
    }

    [Test]
    public void Reset_WithMessageOpen_ReturnsBuffersAndForgetsTheMessage()
    {
        WebSocketReader reader = Server();
        var input = Segmentations.Whole(TestFrames.ClientText("Hel", fin: false));
        reader.TryRead(ref input, out _, out _);
        reader.Reset();
        Assert.That(reader.HoldsBuffer, Is.False);
        Assert.That(reader.InMessage, Is.False);
        input = Segmentations.Whole(TestFrames.ClientText("new"));
        Assert.That(reader.TryRead(ref input, out WebSocketEvent evt, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(evt.Payload.ToArray(), Is.EqualTo("new"u8.ToArray()));
    }
}
