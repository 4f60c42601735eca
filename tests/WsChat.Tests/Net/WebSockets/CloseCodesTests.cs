using System.Buffers.Binary;
using System.Text;
using WsChat.Net.WebSockets;

namespace WsChat.Tests.Net.WebSockets;

public class CloseCodesTests
{
    [TestCase(1000), TestCase(1001), TestCase(1002), TestCase(1003), TestCase(1007), TestCase(1008), TestCase(1009),
     TestCase(1010), TestCase(1011), TestCase(1012), TestCase(1013), TestCase(1014), TestCase(3000), TestCase(3999),
     TestCase(4000), TestCase(4999)]
    public void IsValidReceived_AssignedOrApplicationCode_IsTrue(int code) => Assert.That(CloseCodes.IsValidReceived((ushort)code), Is.True);

    [TestCase(0), TestCase(1), TestCase(999), TestCase(1004), TestCase(1005), TestCase(1006), TestCase(1015), TestCase(1016),
     TestCase(1100), TestCase(2000), TestCase(2999), TestCase(5000), TestCase(65535)]
    public void IsValidReceived_ReservedOrUnassignedCode_IsFalse(int code) => Assert.That(CloseCodes.IsValidReceived((ushort)code), Is.False);

    [Test]
    public void IsValidReceived_EveryCode_MatchesRfc6455Section7_4()
    {
        // An independent statement of §7.4.1/§7.4.2 plus the IANA-registered 1012-1014.
        var valid = new HashSet<int>([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014]);
        for (int code = 3000; code <= 4999; code++) valid.Add(code);
        for (int code = 0; code <= ushort.MaxValue; code++)
        {
            if (CloseCodes.IsValidReceived((ushort)code) != valid.Contains(code)) Assert.Fail($"code {code}");
        }
    }

    [Test]
    public void TryParsePayload_Empty_IsNoStatusReceived()
    {
        Assert.That(CloseCodes.TryParsePayload([], out WebSocketCloseCode code, out ReadOnlySpan<byte> reason, out _), Is.True);
        Assert.That(code, Is.EqualTo(WebSocketCloseCode.NoStatusReceived));
        Assert.That(reason.IsEmpty, Is.True);
    }

    [Test]
    public void TryParsePayload_OneByte_FailsWith1002()
    {
        Assert.That(CloseCodes.TryParsePayload([0x03], out _, out _, out WebSocketCloseCode error), Is.False);
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.ProtocolError));
    }

    [TestCase(999), TestCase(1004), TestCase(1005), TestCase(1006), TestCase(1015), TestCase(1016), TestCase(2999), TestCase(5000)]
    public void TryParsePayload_InvalidCode_FailsWith1002(int code)
    {
        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        Assert.That(CloseCodes.TryParsePayload(payload, out _, out _, out WebSocketCloseCode error), Is.False);
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.ProtocolError));
    }

    [Test]
    public void TryParsePayload_CodeAndReason_ReturnsBoth()
    {
        byte[] payload = [0x0F, 0xA0, .. "Grüße"u8];   // 4000
        Assert.That(CloseCodes.TryParsePayload(payload, out WebSocketCloseCode code, out ReadOnlySpan<byte> reason, out _), Is.True);
        Assert.That((int)code, Is.EqualTo(4000));
        Assert.That(Encoding.UTF8.GetString(reason), Is.EqualTo("Grüße"));
    }

    [TestCase("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64")]   // surrogate inside (Autobahn 7.5.1)
    [TestCase("ff")]
    [TestCase("c3")]                                                             // truncated at the end
    public void TryParsePayload_InvalidUtf8Reason_FailsWith1007(string reasonHex)
    {
        byte[] payload = [0x03, 0xE8, .. Support.Segmentations.Hex(reasonHex)];
        Assert.That(CloseCodes.TryParsePayload(payload, out _, out _, out WebSocketCloseCode error), Is.False);
        Assert.That(error, Is.EqualTo(WebSocketCloseCode.InvalidPayloadData));
    }

    [Test]
    public void TryParsePayload_MaximalReason123Bytes_IsAccepted()
    {
        byte[] payload = [0x03, 0xE8, .. Enumerable.Repeat((byte)'r', 123)];
        Assert.That(CloseCodes.TryParsePayload(payload, out _, out ReadOnlySpan<byte> reason, out _), Is.True);
        Assert.That(reason.Length, Is.EqualTo(123));
    }

    [Test]
    public void WritePayload_ShortReason_WritesCodeAndReason()
    {
        var buffer = new byte[125];
        int n = CloseCodes.WritePayload(buffer, WebSocketCloseCode.PolicyViolation, "slow consumer");
        byte[] expected = [0x03, 0xF0, .. "slow consumer"u8];
        Assert.That(buffer.AsSpan(0, n).ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void WritePayload_LongAsciiReason_TruncatesTo123Bytes()
    {
        var buffer = new byte[125];
        int n = CloseCodes.WritePayload(buffer, WebSocketCloseCode.GoingAway, new string('x', 200));
        Assert.That(n, Is.EqualTo(125));
    }

    [TestCase(0, 123)]    // 41 × "€" (3 bytes) = 123: fits exactly
    [TestCase(1, 121)]    // "a" + 40 × "€" = 121: a 41st "€" would be split, so it is dropped
    [TestCase(2, 122)]
    [TestCase(3, 123)]
    public void WritePayload_MultiByteReasonPastLimit_NeverSplitsACodePoint(int asciiPrefix, int expectedReasonBytes)
    {
        string reason = new string('a', asciiPrefix) + string.Concat(Enumerable.Repeat("€", 60));
        var buffer = new byte[125];
        int n = CloseCodes.WritePayload(buffer, WebSocketCloseCode.NormalClosure, reason);
        Assert.That(n - 2, Is.EqualTo(expectedReasonBytes));
        Assert.That(System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(2, n - 2)), Is.True);
    }

    [Test]
    public void WritePayload_SurrogatePairAtLimit_IsNotSplit()
    {
        string reason = new string('a', 121) + "𝄞";   // 121 + 4 bytes: the clef does not fit in 123
        var buffer = new byte[125];
        int n = CloseCodes.WritePayload(buffer, WebSocketCloseCode.NormalClosure, reason);
        Assert.That(n - 2, Is.EqualTo(121));
    }

    [Test]
    public void WritePayload_Utf8ReasonPastLimit_TrimsToCodePoint()
    {
        byte[] reason = Encoding.UTF8.GetBytes("a" + string.Concat(Enumerable.Repeat("é", 70)));   // 141 bytes
        var buffer = new byte[125];
        int n = CloseCodes.WritePayload(buffer, WebSocketCloseCode.NormalClosure, reason);
        Assert.That(n - 2, Is.EqualTo(123));   // "a" + 61 × "é" = 123
        Assert.That(System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(2, n - 2)), Is.True);
        n = CloseCodes.WritePayload(buffer, WebSocketCloseCode.NormalClosure, reason.AsSpan(1));   // 140 bytes of "é"
        Assert.That(n - 2, Is.EqualTo(122));
    }

    [TestCase(WebSocketCloseCode.None)]
    [TestCase(WebSocketCloseCode.NoStatusReceived)]
    [TestCase(WebSocketCloseCode.AbnormalClosure)]
    public void WritePayload_CodeNeverSentOnTheWire_WritesEmptyPayload(WebSocketCloseCode code)
    {
        var buffer = new byte[125];
        Assert.That(CloseCodes.WritePayload(buffer, code, "ignored"), Is.Zero);
    }
}
