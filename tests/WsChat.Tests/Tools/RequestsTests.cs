using System.Text.Json;
using WsChat.LoadGen.Connections;

namespace WsChat.Tests.Tools;

public class RequestsTests
{
    [Test]
    public void Message_IsAProtocolMessageWhoseTextCarriesTheSendTime()
    {
        byte[] buffer = new byte[Requests.Overhead + 100];
        int length = Requests.Message(buffer, room: 17, reference: 99, textSize: 100, timestamp: 1234567890123);

        using JsonDocument doc = JsonDocument.Parse(buffer.AsMemory(0, length));
        JsonElement root = doc.RootElement;
        Assert.That(root.GetProperty("type").GetString(), Is.EqualTo("message"));
        Assert.That(root.GetProperty("room").GetString(), Is.EqualTo("r17"));
        Assert.That(root.GetProperty("ref").GetString(), Is.EqualTo("99"));
        string text = root.GetProperty("text").GetString()!;
        Assert.That(text, Has.Length.EqualTo(100));
        Assert.That(text, Does.StartWith("0000001234567890123 x"));

        // What a server echoes back is read by the receive path.
        byte[] echoed = JsonSerializer.SerializeToUtf8Bytes(new { type = "message", room = "r17", id = 5, text });
        Assert.That(InboundMessage.TryRead(echoed, out InboundMessage m), Is.True);
        Assert.That(m.SentTimestamp, Is.EqualTo(1234567890123));
    }

    [TestCase(0, """{"type":"history","room":"r2","limit":50,"ref":"7"}""")]
    [TestCase(40, """{"type":"history","room":"r2","limit":50,"before":40,"ref":"7"}""")]
    public void History_OmitsBeforeOnTheFirstPage(long before, string expected)
    {
        byte[] buffer = new byte[Requests.Overhead];
        int length = Requests.History(buffer, room: 2, before: before, limit: 50, reference: 7);
        Assert.That(System.Text.Encoding.UTF8.GetString(buffer, 0, length), Is.EqualTo(expected));
    }

    [Test]
    public void JoinLeaveDm_AreValidJson()
    {
        Func<byte[], int>[] writers = [b => Requests.Join(b, 3, 1), b => Requests.Leave(b, 3, 2), b => Requests.Dm(b, 5, 3, 30, 1)];
        foreach (Func<byte[], int> write in writers)
        {
            byte[] buffer = new byte[Requests.Overhead + 30];
            int length = write(buffer);
            Assert.DoesNotThrow(() => JsonDocument.Parse(buffer.AsMemory(0, length)).Dispose());
        }
    }
}
