using System.Text;
using WsChat.LoadGen.Connections;

namespace WsChat.Tests.Tools;

internal sealed class InboundMessageTests
{
    private static readonly byte[] ChatMessage = Encoding.UTF8.GetBytes(
        """{"type":"message","room":"r12","id":42,"from":"u1","from_id":"u1","text":"0000000000123456789 xxxx","timestamp":1764087000000}""");

    [Test]
    public void TryRead_RoomMessage_ReadsRoomIdAndSendTime()
    {
        Assert.That(InboundMessage.TryRead(ChatMessage, out InboundMessage m), Is.True);
        Assert.That(m.Type, Is.EqualTo(InboundType.Message));
        Assert.That(m.Room, Is.EqualTo(12));
        Assert.That(m.Id, Is.EqualTo(42));
        Assert.That(m.SentTimestamp, Is.EqualTo(123456789));
    }

    [Test]
    public void TryRead_RoomMessage_AllocatesNothing()
    {
        InboundMessage.TryRead(ChatMessage, out _); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        InboundMessage.TryRead(ChatMessage, out _);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void TryRead_EveryTruncation_IsRejected()
    {
        for (int length = 0; length < ChatMessage.Length; length++)
        {
            Assert.That(InboundMessage.TryRead(ChatMessage.AsSpan(0, length), out _), Is.False, $"prefix of {length} bytes");
        }
    }

    [TestCase("[1,2,3]")]
    [TestCase("\"message\"")]
    [TestCase("{\"type\":\"message\",}")]
    [TestCase("{\"type\":\"message\"} trailing")]
    [TestCase("{\"a\":[[[[[[[[[[[[1]]]]]]]]]]]]}")]
    public void TryRead_MalformedOrHostile_IsRejected(string json) =>
        Assert.That(InboundMessage.TryRead(Encoding.UTF8.GetBytes(json), out _), Is.False);

    [TestCase("""{"type":"message","room":"general","id":1}""", -1)]
    [TestCase("""{"type":"message","room":"r99999999999","id":1}""", -1)]
    [TestCase("""{"type":"message","room":"r7x","id":1}""", -1)]
    [TestCase("""{"type":"message","room":"\u0072\u0037","id":1}""", -1)]
    [TestCase("""{"type":"message","room":7,"id":1}""", -1)]
    [TestCase("""{"type":"message","room":"r7","id":1}""", 7)]
    public void TryRead_RoomNotNamedByTheLoadgen_IsMinusOne(string json, int room)
    {
        Assert.That(InboundMessage.TryRead(Encoding.UTF8.GetBytes(json), out InboundMessage m), Is.True);
        Assert.That(m.Room, Is.EqualTo(room));
    }

    [TestCase("""{"type":"message","text":"hello"}""")]
    [TestCase("""{"type":"message","text":"12345678901234567890"}""")]
    [TestCase("""{"type":"message","text":"\u0030000000000123456789 x"}""")]
    [TestCase("""{"type":"message","text":"99999999999999999999 x"}""")]
    public void TryRead_TextWithoutALoadgenTimestamp_HasNoSendTime(string json)
    {
        Assert.That(InboundMessage.TryRead(Encoding.UTF8.GetBytes(json), out InboundMessage m), Is.True);
        Assert.That(m.SentTimestamp, Is.Zero);
    }

    [Test]
    public void TryRead_History_CountsMessagesAndTakesTheOldestId()
    {
        byte[] json = Encoding.UTF8.GetBytes(
            """{"type":"history","room":"r1","messages":[{"room":"r1","id":7,"from":"a","text":"x"},{"id":8,"text":"y"},{"id":9}],"has_more":true,"ref":"15"}""");
        Assert.That(InboundMessage.TryRead(json, out InboundMessage m), Is.True);
        Assert.That(m.Type, Is.EqualTo(InboundType.History));
        Assert.That(m.HistoryCount, Is.EqualTo(3));
        Assert.That(m.HistoryOldestId, Is.EqualTo(7));
        Assert.That(m.HasMore, Is.True);
        Assert.That(m.Ref, Is.EqualTo(15));
    }

    [TestCase("""{"type":"error","code":"rate_limited","message":"slow down","ref":"3","retry_after_ms":50}""", ErrorKind.RateLimited)]
    [TestCase("""{"type":"error","code":"not_member","message":"x"}""", ErrorKind.NotMember)]
    [TestCase("""{"type":"error","code":"something_new","message":"x"}""", ErrorKind.Other)]
    public void TryRead_Error_ReadsTheCode(string json, ErrorKind kind)
    {
        Assert.That(InboundMessage.TryRead(Encoding.UTF8.GetBytes(json), out InboundMessage m), Is.True);
        Assert.That(m.Type, Is.EqualTo(InboundType.Error));
        Assert.That(m.Error, Is.EqualTo(kind));
    }

    [Test]
    public void TryRead_UsersArrayInJoined_IsSkippedAndLastIdRead()
    {
        byte[] json = Encoding.UTF8.GetBytes(
            """{"type":"joined","room":"r3","users":[{"user_id":"u1","username":"u1","id":99}],"last_id":41,"recovered":false,"ref":"1"}""");
        Assert.That(InboundMessage.TryRead(json, out InboundMessage m), Is.True);
        Assert.That(m.Type, Is.EqualTo(InboundType.Joined));
        Assert.That(m.LastId, Is.EqualTo(41));
        Assert.That(m.Id, Is.Zero);
        Assert.That(m.Ref, Is.EqualTo(1));
    }
}
