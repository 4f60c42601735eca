using System.Text.Json;
using WsChat.Core;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Shards;

/// <summary>PROTOCOL.md §3 <c>dm</c> and DM history, on the engine with fake connections.</summary>
public class DmTests : ChatHarnessFixture
{
    [Test]
    public void Dm_ReachesEveryConnectionOfBothUsers_OneIdThenAck()
    {
        var alice1 = Chat.Connect("u1", "alice");
        var alice2 = Chat.Connect("u1", "alice");
        var bob1 = Chat.Connect("u2", "bob");
        var bob2 = Chat.Connect("u2", "bob");
        var carol = Chat.Connect("u3");
        alice1.Send("""{"type":"dm","to":"u2","text":"psst","ref":"d1"}""");
        foreach (var client in new[] { alice2, bob1, bob2 })
        {
            JsonElement dm = client.Single();
            Assert.That(dm.GetProperty("type").GetString(), Is.EqualTo("dm"));
            Assert.That(dm.GetProperty("id").GetInt64(), Is.EqualTo(1));
            Assert.That(dm.GetProperty("from").GetString(), Is.EqualTo("alice"));
            Assert.That(dm.GetProperty("from_id").GetString(), Is.EqualTo("u1"));
            Assert.That(dm.GetProperty("to").GetString(), Is.EqualTo("u2"));
            Assert.That(dm.GetProperty("text").GetString(), Is.EqualTo("psst"));
            Assert.That(dm.GetProperty("timestamp").GetInt64(), Is.EqualTo(Chat.Time.NowMs));
        }

        List<JsonElement> sender = alice1.Take();
        Assert.That(sender.Select(m => m.GetProperty("type").GetString()), Is.EqualTo(new[] { "dm", "ack" }));
        Assert.That(sender[1].GetProperty("ref").GetString(), Is.EqualTo("d1"));
        Assert.That(sender[1].GetProperty("id").GetInt64(), Is.EqualTo(1));
        Assert.That(sender[1].GetProperty("to").GetString(), Is.EqualTo("u2"));
        Assert.That(carol.Take(), Is.Empty);
    }

    [Test]
    public void Dm_IdsIncreasePerPair_BothDirectionsShareTheSequence()
    {
        var alice = Chat.Connect("u1");
        var bob = Chat.Connect("u2");
        var carol = Chat.Connect("u3");
        alice.Send("""{"type":"dm","to":"u2","text":"1"}""");
        bob.Send("""{"type":"dm","to":"u1","text":"2"}""");
        alice.Send("""{"type":"dm","to":"u3","text":"other pair"}""");
        alice.Send("""{"type":"dm","to":"u2","text":"3"}""");
        long[] bobIds = bob.Take().Select(m => m.GetProperty("id").GetInt64()).ToArray();
        Assert.That(bobIds, Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(carol.Single().GetProperty("id").GetInt64(), Is.EqualTo(1));
    }

    [Test]
    public void Dm_RecipientOffline_UserNotFound()
    {
        var alice = Chat.Connect("u1");
        alice.Send("""{"type":"dm","to":"nobody","text":"hello?","ref":"x"}""");
        JsonElement error = alice.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("user_not_found"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("x"));
    }

    [Test]
    public void Dm_RecipientDisconnected_UserNotFound()
    {
        var alice = Chat.Connect("u1");
        var bob = Chat.Connect("u2");
        bob.Disconnect();
        alice.Send("""{"type":"dm","to":"u2","text":"gone"}""");
        Assert.That(alice.Single().GetProperty("code").GetString(), Is.EqualTo("user_not_found"));
    }

    [Test]
    public void Dm_ToSelf_DeliveredOncePerConnection()
    {
        var alice1 = Chat.Connect("u1");
        var alice2 = Chat.Connect("u1");
        alice1.Send("""{"type":"dm","to":"u1","text":"note to self"}""");
        Assert.That(alice1.Single().GetProperty("to").GetString(), Is.EqualTo("u1"));
        Assert.That(alice2.Single().GetProperty("text").GetString(), Is.EqualTo("note to self"));
    }

    [Test]
    public void DmHistory_BothSidesSeeThePairOldestFirst()
    {
        var alice = Chat.Connect("u1", "alice");
        var bob = Chat.Connect("u2", "bob");
        for (int i = 1; i <= 5; i++)
        {
            (i % 2 == 1 ? alice : bob).Send($$"""{"type":"dm","to":"{{(i % 2 == 1 ? "u2" : "u1")}}","text":"m{{i}}"}""");
        }

        alice.Take();
        bob.Take();
        bob.Send("""{"type":"history","dm":"u1","limit":3,"ref":"h"}""");
        JsonElement history = bob.Single();
        Assert.That(history.GetProperty("dm").GetString(), Is.EqualTo("u1"));
        Assert.That(history.TryGetProperty("room", out _), Is.False);
        Assert.That(history.GetProperty("has_more").GetBoolean(), Is.True);
        JsonElement[] items = history.GetProperty("messages").EnumerateArray().ToArray();
        Assert.That(items.Select(m => m.GetProperty("text").GetString()), Is.EqualTo(new[] { "m3", "m4", "m5" }));
        Assert.That(items[1].GetProperty("from").GetString(), Is.EqualTo("bob"));
        Assert.That(items[1].GetProperty("to").GetString(), Is.EqualTo("u1"));
        Assert.That(items[0].TryGetProperty("type", out _), Is.False);
    }

    [Test]
    public void DmHistory_NoConversation_EmptyHistory()
    {
        var alice = Chat.Connect("u1");
        alice.Send("""{"type":"history","dm":"stranger"}""");
        JsonElement history = alice.Single();
        Assert.That(history.GetProperty("messages").GetArrayLength(), Is.Zero);
        Assert.That(history.GetProperty("has_more").GetBoolean(), Is.False);
    }

    [Test]
    public void Dm_UserIdsWithUnicode_PairKeyIsStable()
    {
        var a = Chat.Connect("ünïcødé", "a");
        var b = Chat.Connect("b", "b");
        a.Send("""{"type":"dm","to":"b","text":"1"}""");
        b.Send("""{"type":"dm","to":"ünïcødé","text":"2"}""");
        Assert.That(a.Take().Where(m => m.GetProperty("type").GetString() == "dm").Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(new long[] { 1, 2 }));
    }
}
