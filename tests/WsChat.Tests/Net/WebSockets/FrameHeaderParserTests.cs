using System.Buffers;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.WebSockets;

public class FrameHeaderParserTests
{
    private static OperationStatus Parse(string hex, bool requireMask, out FrameHeader header, out WebSocketCloseCode error, long max = long.MaxValue) =>
        FrameHeaderParser.TryRead(Segmentations.Hex(hex), requireMask, out header, out error, max);

    private static void AssertFails(string hex, bool requireMask, WebSocketCloseCode expected, long max = long.MaxValue)
    {
        Assert.That(Parse(hex, requireMask, out _, out WebSocketCloseCode error, max), Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(expected));
    }

    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.Of), new object[] { "81 85 37 fa 21 3d" })]
    public void TryRead_MaskedTextHeader_ReadsEveryField(ReadOnlySequence<byte> input)
    {
        Assert.That(FrameHeaderParser.TryRead(input, requireMask: true, out FrameHeader header, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(header.Fin, Is.True);
        Assert.That(header.Opcode, Is.EqualTo(WebSocketOpcode.Text));
        Assert.That(header.Masked, Is.True);
        Assert.That(header.Mask, Is.EqualTo(Masking.FromKey([0x37, 0xfa, 0x21, 0x3d])));
        Assert.That(header.PayloadLength, Is.EqualTo(5));
        Assert.That(header.HeaderLength, Is.EqualTo(6));
        Assert.That(header.IsControl, Is.False);
    }

    [TestCase("81 85 37 fa 21 3d", 6)]
    [TestCase("82 fe 01 00 01 02 03 04", 8)]
    [TestCase("82 ff 00 00 00 00 00 01 00 00 01 02 03 04", 14)]
    public void TryRead_EveryTruncation_NeedsMoreData(string hex, int fullLength)
    {
        byte[] bytes = Segmentations.Hex(hex);
        for (int n = 0; n < fullLength; n++)
        {
            Assert.That(FrameHeaderParser.TryRead(bytes.AsSpan(0, n), true, out _, out _), Is.EqualTo(OperationStatus.NeedMoreData), $"{n} bytes");
        }

        Assert.That(FrameHeaderParser.TryRead(bytes, true, out FrameHeader header, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(header.HeaderLength, Is.EqualTo(fullLength));
    }

    [TestCase("c1 80 00 00 00 00")]   // RSV1
    [TestCase("a1 80 00 00 00 00")]   // RSV2
    [TestCase("91 80 00 00 00 00")]   // RSV3
    [TestCase("f1 80 00 00 00 00")]   // all three
    public void TryRead_RsvBitSet_FailsWith1002(string hex) => AssertFails(hex, true, WebSocketCloseCode.ProtocolError);

    [TestCase(0x3), TestCase(0x4), TestCase(0x5), TestCase(0x6), TestCase(0x7), TestCase(0xB), TestCase(0xC), TestCase(0xD), TestCase(0xE), TestCase(0xF)]
    public void TryRead_ReservedOpcode_FailsWith1002(int opcode)
    {
        byte[] header = [(byte)(0x80 | opcode), 0x80, 0, 0, 0, 0];
        Assert.That(FrameHeaderParser.TryRead(header, true, out _, out WebSocketCloseCode error), Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.ProtocolError));
        // Judged from the first byte alone: no need to wait for the rest.
        Assert.That(FrameHeaderParser.TryRead(header.AsSpan(0, 1), true, out _, out _), Is.EqualTo(OperationStatus.InvalidData));
    }

    [TestCase(0x0), TestCase(0x1), TestCase(0x2), TestCase(0x8), TestCase(0x9), TestCase(0xA)]
    public void TryRead_DefinedOpcode_IsAccepted(int opcode)
    {
        byte[] header = [(byte)(0x80 | opcode), 0x80, 0, 0, 0, 0];
        Assert.That(FrameHeaderParser.TryRead(header, true, out FrameHeader parsed, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That((int)parsed.Opcode, Is.EqualTo(opcode));
    }

    [Test]
    public void TryRead_UnmaskedFrameWhenMaskRequired_FailsWith1002() => AssertFails("81 05", requireMask: true, WebSocketCloseCode.ProtocolError);

    [Test]
    public void TryRead_MaskedFrameWhenMaskForbidden_FailsWith1002() => AssertFails("81 85 00 00 00 00", requireMask: false, WebSocketCloseCode.ProtocolError);

    [Test]
    public void TryRead_UnmaskedFrameWhenMaskForbidden_IsAccepted()
    {
        Assert.That(Parse("81 05", false, out FrameHeader header, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(header.Masked, Is.False);
        Assert.That(header.HeaderLength, Is.EqualTo(2));
    }

    [TestCase("08 80 00 00 00 00")]   // close without FIN
    [TestCase("09 80 00 00 00 00")]   // ping without FIN
    [TestCase("0a 80 00 00 00 00")]   // pong without FIN
    public void TryRead_FragmentedControlFrame_FailsWith1002(string hex) => AssertFails(hex, true, WebSocketCloseCode.ProtocolError);

    [TestCase("89 fe 00 7e 00 00 00 00")]   // ping, 126 bytes in 16-bit form
    [TestCase("88 fe 00 7e 00 00 00 00")]   // close, 126 bytes
    [TestCase("8a ff 00 00 00 00 00 00 00 80 00 00 00 00")]   // pong, 64-bit length
    public void TryRead_ControlFrameOver125Bytes_FailsWith1002(string hex) => AssertFails(hex, true, WebSocketCloseCode.ProtocolError);

    [Test]
    public void TryRead_ControlFrameOf125Bytes_IsAccepted()
    {
        Assert.That(Parse("89 fd 00 00 00 00", true, out FrameHeader header, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(header.PayloadLength, Is.EqualTo(125));
        Assert.That(header.IsControl, Is.True);
    }

    [TestCase("82 fe 00 00 00 00 00 00")]   // 16-bit form for 0
    [TestCase("82 fe 00 7d 00 00 00 00")]   // 16-bit form for 125
    [TestCase("82 ff 00 00 00 00 00 00 00 7d 00 00 00 00")]   // 64-bit form for 125
    [TestCase("82 ff 00 00 00 00 00 00 ff ff 00 00 00 00")]   // 64-bit form for 65535
    public void TryRead_NonMinimalLength_FailsWith1002(string hex) => AssertFails(hex, true, WebSocketCloseCode.ProtocolError);

    [TestCase("82 fe 00 7e 00 00 00 00", 126)]
    [TestCase("82 fe ff ff 00 00 00 00", 65535)]
    [TestCase("82 ff 00 00 00 00 00 01 00 00 00 00 00 00", 65536)]
    [TestCase("82 ff 7f ff ff ff ff ff ff ff 00 00 00 00", long.MaxValue)]
    public void TryRead_MinimalLengthAtEachBoundary_IsAccepted(string hex, long length)
    {
        Assert.That(Parse(hex, true, out FrameHeader header, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(header.PayloadLength, Is.EqualTo(length));
    }

    [TestCase("82 ff 80 00 00 00 00 00 00 00 00 00 00 00")]   // 2^63
    [TestCase("82 ff ff ff ff ff ff ff ff ff 00 00 00 00")]   // 2^64-1
    public void TryRead_LengthWithTopBitSet_FailsWith1002(string hex) => AssertFails(hex, true, WebSocketCloseCode.ProtocolError);

    [Test]
    public void TryRead_LengthWithTopBitSet_FailsBeforeTheMaskArrives()
    {
        byte[] bytes = Segmentations.Hex("82 ff 80 00 00 00 00 00 00 00");   // no mask bytes yet
        Assert.That(FrameHeaderParser.TryRead(bytes, true, out _, out WebSocketCloseCode error), Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.ProtocolError));
    }

    [Test]
    public void TryRead_LengthAtLimit_IsAccepted() =>
        Assert.That(Parse("82 fe 01 00 00 00 00 00", true, out _, out _, max: 256), Is.EqualTo(OperationStatus.Done));

    [Test]
    public void TryRead_LengthOnePastLimit_FailsWith1009() => AssertFails("82 fe 01 01 00 00 00 00", true, WebSocketCloseCode.MessageTooBig, max: 256);

    [Test]
    public void TryRead_HugeLengthPastLimit_FailsWith1009BeforeTheMaskArrives()
    {
        byte[] bytes = Segmentations.Hex("82 ff 40 00 00 00 00 00 00 00");   // 2^62, no mask bytes yet
        Assert.That(FrameHeaderParser.TryRead(bytes, true, out _, out WebSocketCloseCode error, 65536), Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.MessageTooBig));
    }

    [Test]
    public void TryRead_EveryTwoByteCombination_NeverThrowsAndAgreesWithRules()
    {
        // Exhaustive over the first two bytes (what RFC 6455 §5.2 rules depend on), with room for any length and mask.
        var frame = new byte[14];
        for (int b0 = 0; b0 < 256; b0++)
        {
            for (int b1 = 0; b1 < 256; b1++)
            {
                frame[0] = (byte)b0;
                frame[1] = (byte)b1;
                frame[2] = 0x01;   // makes 16-bit and 64-bit lengths minimal (>= 256 / >= 2^56)
                OperationStatus status = FrameHeaderParser.TryRead(frame, true, out _, out WebSocketCloseCode error);
                int opcode = b0 & 0xF, len7 = b1 & 0x7F;
                bool control = opcode >= 8;
                bool valid = (b0 & 0x70) == 0 && (opcode <= 2 || opcode is >= 8 and <= 0xA) && (b1 & 0x80) != 0
                    && (!control || ((b0 & 0x80) != 0 && len7 <= 125));
                OperationStatus expected = valid ? OperationStatus.Done : OperationStatus.InvalidData;
                if (status != expected || (!valid && error != WebSocketCloseCode.ProtocolError)) Assert.Fail($"{b0:x2} {b1:x2}: {status} {error}");
            }
        }
    }
}
