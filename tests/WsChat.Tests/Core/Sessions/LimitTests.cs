using System.Text.Json;
using WsChat.Core;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Sessions;

/// <summary>PROTOCOL.md §5 limits on the engine: each at the limit and one past it.</summary>
public class LimitTests
{
    [Test]
    public void UserBucket_BurstOf40Passes_41stRateLimitedWithRetryAfter()
    {
        using var chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 2 });
        var alice = chat.Connect("u1");
        alice.Join("r");
        alice.Take();
        for (int i = 0; i < 40; i++) alice.Say("r", "m" + i);
        Assert.That(alice.Take().Count(m => m.GetProperty("type").GetString() == "message"), Is.EqualTo(40));
        alice.Say("r", "one too many", "41");
        JsonElement error = alice.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("rate_limited"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("41"));
        Assert.That(error.GetProperty("retry_after_ms").GetInt32(), Is.InRange(1, 50), "20/s: one token every 50 ms");
        // +1 ms: the bucket's float refill may land a hair under one token at exactly retry_after_ms.
        chat.Time.Advance(TimeSpan.FromMilliseconds(error.GetProperty("retry_after_ms").GetInt32() + 1));
        alice.Say("r", "after waiting");
        JsonElement after = alice.Single();
        Assert.That(after.GetProperty("type").GetString(), Is.EqualTo("message"), after.ToString());
    }

    [Test]
    public void UserBucket_SharedByTheUsersConnections_DmAndTypingCount()
    {
        using var chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 2 });
        var a1 = chat.Connect("u1");
        var a2 = chat.Connect("u1");
        var bob = chat.Connect("u2");
        a1.Join("r");
        for (int i = 0; i < 20; i++) a1.Say("r", "x");
        for (int i = 0; i < 10; i++) a2.Send("""{"type":"dm","to":"u2","text":"y"}""");
        for (int i = 0; i < 10; i++) a1.Send("""{"type":"typing","room":"r","status":true}""");
        a1.Take();
        a2.Take();
        a2.Send("""{"type":"dm","to":"u2","text":"41st"}""");
        Assert.That(a2.Connection.OfType("error").Single().GetProperty("code").GetString(), Is.EqualTo("rate_limited"));
        Assert.That(bob.Connection.OfType("dm"), Has.Count.EqualTo(10));
    }

    [Test]
    public void ConnectionBucket_200CommandsPass_201stRateLimited()
    {
        using var chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 2 });
        var alice = chat.Connect("u1");
        for (int i = 0; i < 199; i++) alice.Send("""{"type":"ping"}""");     // + the welcome's auth? no: token at open
        alice.Send("""{"type":"ping","ref":"200"}""");
        Assert.That(alice.Take(), Has.Count.EqualTo(200).And.All.Matches<JsonElement>(m => m.GetProperty("type").GetString() == "pong"));
        alice.Send("""{"type":"list_users","room":"r","ref":"201"}""");
        JsonElement error = alice.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("rate_limited"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("201"));
        Assert.That(error.GetProperty("retry_after_ms").GetInt32(), Is.InRange(1, 10), "100/s: one token every 10 ms");
    }

    [Test]
    public void Flooding_AfterRateLimited_ClosedWith1008()
    {
        using var chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 2 });
        var alice = chat.Connect("u1");
        alice.Join("r");
        for (int i = 0; i < 40 + 19; i++) alice.Say("r", "x");
        Assert.That(alice.Connection.CloseCode, Is.Null, "19 refusals: still tolerated");
        Assert.That(alice.Connection.OfType("error"), Has.Count.EqualTo(19));
        alice.Say("r", "x");
        Assert.That(alice.Connection.CloseCode, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
        Assert.That(alice.Connection.CloseReason, Is.EqualTo("rate limit exceeded"));
    }

    [Test]
    public void RoomsPerConnection_128Joined_129thTooManyRooms_LeaveFreesASlot()
    {
        using var chat = new ChatHarness();
        var alice = chat.Connect("u1");
        for (int i = 0; i < 128; i++) alice.Join("room" + i);
        Assert.That(alice.Take().All(m => m.GetProperty("type").GetString() == "joined"), Is.True);
        alice.Send("""{"type":"join","room":"one-more","ref":"j"}""");
        JsonElement error = alice.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("too_many_rooms"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("j"));
        alice.Send("""{"type":"list_users","room":"one-more"}""");
        Assert.That(alice.Single().GetProperty("code").GetString(), Is.EqualTo("room_not_found"), "a refused join creates no room");
        alice.Join("room5");
        Assert.That(alice.Single().GetProperty("type").GetString(), Is.EqualTo("joined"), "rejoining a joined room takes no slot");
        alice.Send("""{"type":"leave","room":"room0"}""");
        alice.Join("one-more");
        Assert.That(alice.Take().Last().GetProperty("type").GetString(), Is.EqualTo("joined"));
    }

    [Test]
    public void Text_4096CodePoints_Accepted_4097TooLarge()
    {
        using var chat = new ChatHarness();
        var alice = chat.Connect("u1");
        alice.Join("r");
        alice.Take();
        string atLimit = string.Concat(Enumerable.Repeat("🎉", 4096));      // 4096 code points, 8192 UTF-16 units
        alice.Say("r", atLimit);
        Assert.That(alice.Single().GetProperty("text").GetString(), Is.EqualTo(atLimit));
        alice.Say("r", atLimit + "x", "big");
        JsonElement error = alice.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("too_large"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("big"));
    }

    [Test]
    public void SlowConsumer_RefusedFrame_ClosedWith1008_RoomGoesOn()
    {
        using var chat = new ChatHarness();
        var alice = chat.Connect("u1");
        var bob = chat.Connect("u2");
        var carol = chat.Connect("u3");
        foreach (var c in new[] { alice, bob, carol }) c.Join("r");
        alice.Take();
        carol.Take();
        bob.Connection.Refuse = true;
        alice.Say("r", "one");
        Assert.That(bob.Connection.CloseCode, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
        Assert.That(bob.Connection.CloseReason, Is.EqualTo("slow consumer"));
        alice.Say("r", "two");
        Assert.That(carol.Take().Select(m => m.GetProperty("text").GetString()), Is.EqualTo(new[] { "one", "two" }));
        Assert.That(alice.Take().Select(m => m.GetProperty("text").GetString()), Is.EqualTo(new[] { "one", "two" }));
    }

    [TestCase("")]
    [TestCase("[1,2]")]
    [TestCase("{\"type\":\"teleport\"}")]
    [TestCase("{\"type\":\"join\"}")]
    [TestCase("{\"type\":\"join\",\"room\":\"bad room!\"}")]
    [TestCase("{\"type\":\"message\",\"room\":\"r\",\"text\":5}")]
    [TestCase("{\"type\":")]
    public void Malformed_BadRequest_ConnectionStaysOpen(string json)
    {
        using var chat = new ChatHarness();
        var alice = chat.Connect("u1");
        alice.Send(json);
        Assert.That(alice.Single().GetProperty("code").GetString(), Is.EqualTo("bad_request"));
        Assert.That(alice.Connection.CloseCode, Is.Null);
        alice.Send("""{"type":"ping","ref":"p"}""");
        Assert.That(alice.Single().GetProperty("type").GetString(), Is.EqualTo("pong"));
    }

    [Test]
    public void ShardQueueFull_ServerBusyWithRef()
    {
        using var chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 1, ShardQueueCapacity = 2 });
        var alice = chat.Connect("u1");
        var engine = chat.Engine;
        foreach (string json in new[] { """{"type":"list_users","room":"a"}""", """{"type":"list_users","room":"b"}""", """{"type":"list_users","room":"c","ref":"3"}""" })
        {
            engine.Receive(alice.Session, System.Text.Encoding.UTF8.GetBytes(json));      // shards not run: the queue fills
        }

        JsonElement busy = alice.Single();
        Assert.That(busy.GetProperty("code").GetString(), Is.EqualTo("server_busy"));
        Assert.That(busy.GetProperty("ref").GetString(), Is.EqualTo("3"));
        engine.RunShards();
        Assert.That(alice.Take().Select(m => m.GetProperty("code").GetString()), Is.EqualTo(new[] { "room_not_found", "room_not_found" }));
    }
}
