using WsChat.Core.Backplane;

namespace WsChat.Tests.Core.Backplane;

public class BackplaneEnvelopeTests
{
    private static readonly byte[] Payload = """{"type":"message","room":"r","id":42}"""u8.ToArray();

    [Test]
    public void Encode_ThenDecode_RoundTripsEveryField()
    {
        byte[] bytes = BackplaneEnvelope.Encode(EnvelopeKind.Message, "node-1", 42, "üser"u8, Payload);
        Assert.That(BackplaneEnvelope.TryDecode(bytes, out BackplaneEnvelope e), Is.True);
        Assert.That(e.Kind, Is.EqualTo(EnvelopeKind.Message));
        Assert.That(e.Node.ToArray(), Is.EqualTo("node-1"u8.ToArray()));
        Assert.That(e.Id, Is.EqualTo(42));
        Assert.That(e.UserId.ToArray(), Is.EqualTo("üser"u8.ToArray()));
        Assert.That(e.Payload.ToArray(), Is.EqualTo(Payload));
    }

    [TestCase((byte)EnvelopeKind.Connections)]
    [TestCase((byte)EnvelopeKind.DmVoid)]
    public void Encode_ThenDecode_TheClusterKindsRoundTrip(byte kindByte)
    {
        var kind = (EnvelopeKind)kindByte;
        // Connections carries a count in the id field; DmVoid the pair key in the user id field.
        byte[] bytes = BackplaneEnvelope.Encode(kind, "node-2", 3, "@5:alicebob"u8, default);
        Assert.That(BackplaneEnvelope.TryDecode(bytes, out BackplaneEnvelope e), Is.True);
        Assert.That((e.Kind, e.Id, e.UserId.ToArray(), e.Payload.Length), Is.EqualTo((kind, 3L, "@5:alicebob"u8.ToArray(), 0)));
    }

    [Test]
    public void Decode_EmptyUserAndPayload_IsAVoid()
    {
        byte[] bytes = BackplaneEnvelope.Encode(EnvelopeKind.Void, "n", long.MaxValue, default, default);
        Assert.That(BackplaneEnvelope.TryDecode(bytes, out BackplaneEnvelope e), Is.True);
        Assert.That((e.Kind, e.Id, e.UserId.Length, e.Payload.Length), Is.EqualTo((EnvelopeKind.Void, long.MaxValue, 0, 0)));
    }

    [Test]
    public void Decode_TruncatedAtEveryLengthBeforeThePayload_IsRefused()
    {
        byte[] bytes = BackplaneEnvelope.Encode(EnvelopeKind.Typing, "node", 0, "user"u8, Payload);
        int header = 1 + 1 + 4 + 8 + 2 + 4;
        for (int length = 0; length < header; length++)
        {
            Assert.That(BackplaneEnvelope.TryDecode(bytes.AsSpan(0, length), out _), Is.False, $"{length} bytes");
        }

        Assert.That(BackplaneEnvelope.TryDecode(bytes.AsSpan(0, header), out BackplaneEnvelope e), Is.True, "an empty payload is whole");
        Assert.That(e.Payload.Length, Is.Zero);
    }

    [TestCase((byte)0)]
    [TestCase((byte)8)]
    [TestCase((byte)255)]
    public void Decode_UnknownKind_IsRefused(byte kind)
    {
        byte[] bytes = BackplaneEnvelope.Encode(EnvelopeKind.Message, "n", 1, "u"u8, Payload);
        bytes[0] = kind;
        Assert.That(BackplaneEnvelope.TryDecode(bytes, out _), Is.False);
    }

    [Test]
    public void Decode_LengthsPointingPastTheEnd_AreRefused()
    {
        byte[] bytes = BackplaneEnvelope.Encode(EnvelopeKind.Dm, "n", 1, "u"u8, default);
        byte[] nodeTooLong = (byte[])bytes.Clone();
        nodeTooLong[1] = 255;
        Assert.That(BackplaneEnvelope.TryDecode(nodeTooLong, out _), Is.False);
        byte[] userTooLong = (byte[])bytes.Clone();
        userTooLong[1 + 1 + 1 + 8] = 0xFF;      // user id length, little-endian low byte
        userTooLong[1 + 1 + 1 + 8 + 1] = 0xFF;
        Assert.That(BackplaneEnvelope.TryDecode(userTooLong, out _), Is.False);
    }

    [Test]
    public void Encode_NodeIdOver255Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => BackplaneEnvelope.Encode(EnvelopeKind.Void, new string('n', 256), 1, default, default));
    }
}
