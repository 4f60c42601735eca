using System.Text;
using WsChat.Core;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Shards;

/// <summary>
/// The steady path of a room message allocates nothing (DESIGN.md): read path (parse, checks, queue)
/// and shard (id, ring, one encoding, 100 queued references), driven synchronously on the test's thread.
/// </summary>
public class FanOutAllocationTests
{
    [Test]
    public void RoomMessage_To100Members_AllocatesNothing()
    {
        using var chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 2, UserRatePerSecond = 1e9, UserRateBurst = 1_000_000_000, ConnectionRatePerSecond = 1e9, ConnectionRateBurst = 1_000_000_000 });
        var members = Enumerable.Range(0, 100).Select(i => chat.Connect("u" + i)).ToList();
        foreach (var m in members) m.Join("general");
        foreach (var m in members) m.Connection.Record = false;
        byte[] json = """{"type":"message","room":"general","text":"Hello, this is a chat message of ordinary length!","ref":"42"}"""u8.ToArray();
        var sender = members[0];

        // Warm up: the ring's slots, the frame and command pools, the thread's JSON writer.
        for (int i = 0; i < 300; i++) Send(chat, sender, json);
        int sentBefore = members[57].Connection.Sent, senderBefore = sender.Connection.Sent;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) Send(chat, sender, json);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero);
        Assert.That(members[57].Connection.Sent - sentBefore, Is.EqualTo(100), "every member got every message");
        Assert.That(sender.Connection.Sent - senderBefore, Is.EqualTo(200), "the sender its copy and its ack");
    }

    [Test]
    public void Typing_To100Members_AllocatesNothing()
    {
        using var chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 2, UserRatePerSecond = 1e9, UserRateBurst = 1_000_000_000, ConnectionRatePerSecond = 1e9, ConnectionRateBurst = 1_000_000_000 });
        var members = Enumerable.Range(0, 100).Select(i => chat.Connect("u" + i)).ToList();
        foreach (var m in members) m.Join("general");
        foreach (var m in members) m.Connection.Record = false;
        byte[] json = Encoding.UTF8.GetBytes("""{"type":"typing","room":"general","status":true}""");
        for (int i = 0; i < 100; i++) Send(chat, members[3], json);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) Send(chat, members[3], json);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    private static void Send(ChatHarness chat, ChatHarness.Client client, byte[] json)
    {
        chat.Engine.Receive(client.Session, json);
        chat.Engine.RunShards();
    }
}
