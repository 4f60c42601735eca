using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Shards;

/// <summary>PROTOCOL.md §3-§5 room commands, on the engine with fake connections (no sockets).</summary>
public class RoomCommandTests : ChatHarnessFixture
{
    [Test]
    public void Join_NewRoom_RepliesJoinedWithSelfAndLastIdZero()
    {
        var alice = Chat.Connect("u1", "alice");
        alice.Send("""{"type":"join","room":"general","ref":"1"}""");
        JsonElement joined = alice.Single();
        Assert.That(joined.GetProperty("type").GetString(), Is.EqualTo("joined"));
        Assert.That(joined.GetProperty("room").GetString(), Is.EqualTo("general"));
        Assert.That(joined.GetProperty("last_id").GetInt64(), Is.Zero);
        Assert.That(joined.GetProperty("recovered").GetBoolean(), Is.False);
        Assert.That(joined.GetProperty("ref").GetString(), Is.EqualTo("1"));
        JsonElement user = joined.GetProperty("users").EnumerateArray().Single();
        Assert.That(user.GetProperty("user_id").GetString(), Is.EqualTo("u1"));
        Assert.That(user.GetProperty("username").GetString(), Is.EqualTo("alice"));
    }

    [Test]
    public void Join_SecondUser_OthersSeePresenceOnline_JoinerSeesBoth()
    {
        var alice = Chat.Connect("u1", "alice");
        var bob = Chat.Connect("u2", "bob");
        alice.Join("general");
        alice.Take();
        bob.Join("general");
        JsonElement presence = alice.Single();
        Assert.That(presence.GetProperty("type").GetString(), Is.EqualTo("presence"));
        Assert.That(presence.GetProperty("user").GetString(), Is.EqualTo("bob"));
        Assert.That(presence.GetProperty("user_id").GetString(), Is.EqualTo("u2"));
        Assert.That(presence.GetProperty("status").GetString(), Is.EqualTo("online"));
        Assert.That(presence.GetProperty("room").GetString(), Is.EqualTo("general"));
        JsonElement joined = bob.Single();
        Assert.That(joined.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user_id").GetString()), Is.EquivalentTo(new[] { "u1", "u2" }));
    }

    [Test]
    public void Join_AlreadyJoined_RepliesJoinedAgainWithoutSecondPresence()
    {
        var alice = Chat.Connect("u1");
        var bob = Chat.Connect("u2");
        alice.Join("general");
        bob.Join("general");
        alice.Take();
        bob.Take();
        bob.Send("""{"type":"join","room":"general","ref":"again"}""");
        Assert.That(bob.Single().GetProperty("ref").GetString(), Is.EqualTo("again"));
        Assert.That(alice.Take(), Is.Empty);
        Assert.That(bob.Session.RoomCount, Is.EqualTo(1));
    }

    [Test]
    public void Presence_UserWithTwoConnections_OnlineOnceOfflineWhenLastLeaves()
    {
        var alice = Chat.Connect("u1");
        var bob1 = Chat.Connect("u2");
        var bob2 = Chat.Connect("u2");
        alice.Join("r");
        bob1.Join("r");
        Assert.That(alice.Take().Count(m => m.GetProperty("type").GetString() == "presence"), Is.EqualTo(1));
        bob2.Join("r");
        Assert.That(alice.Take(), Is.Empty, "second connection of a present user: no presence");
        bob1.Send("""{"type":"leave","room":"r"}""");
        Assert.That(alice.Take(), Is.Empty, "bob is still there through another connection");
        bob2.Send("""{"type":"leave","room":"r"}""");
        JsonElement offline = alice.Single();
        Assert.That(offline.GetProperty("status").GetString(), Is.EqualTo("offline"));
        Assert.That(offline.GetProperty("user_id").GetString(), Is.EqualTo("u2"));
    }

    [Test]
    public void Leave_Joined_RepliesLeftAndOthersSeeOffline()
    {
        var alice = Chat.Connect("u1");
        var bob = Chat.Connect("u2");
        alice.Join("r");
        bob.Join("r");
        alice.Take();
        bob.Take();
        bob.Send("""{"type":"leave","room":"r","ref":"x"}""");
        JsonElement left = bob.Single();
        Assert.That(left.GetProperty("type").GetString(), Is.EqualTo("left"));
        Assert.That(left.GetProperty("ref").GetString(), Is.EqualTo("x"));
        Assert.That(alice.Single().GetProperty("status").GetString(), Is.EqualTo("offline"));
        Assert.That(bob.Session.RoomCount, Is.Zero);
        alice.Say("r", "after");
        Assert.That(bob.Take(), Is.Empty, "a member who left receives nothing more");
    }

    [TestCase("r")]
    [TestCase("never-created")]
    public void Leave_NotJoined_NotMember(string room)
    {
        var alice = Chat.Connect("u1");
        var bob = Chat.Connect("u2");
        bob.Join("r");
        bob.Take();
        alice.Send($$"""{"type":"leave","room":"{{room}}","ref":"9"}""");
        JsonElement error = alice.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("not_member"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("9"));
    }

    [Test]
    public void Message_ToEveryMemberWithOneIdThenAckToSender()
    {
        var alice = Chat.Connect("u1", "alice");
        var bob = Chat.Connect("u2", "bob");
        alice.Join("general");
        bob.Join("general");
        alice.Take();
        bob.Take();
        alice.Say("general", "Hello!", "2");
        List<JsonElement> toAlice = alice.Take();
        Assert.That(toAlice.Select(m => m.GetProperty("type").GetString()), Is.EqualTo(new[] { "message", "ack" }));
        JsonElement message = bob.Single();
        Assert.That(message.GetProperty("id").GetInt64(), Is.EqualTo(1));
        Assert.That(message.GetProperty("from").GetString(), Is.EqualTo("alice"));
        Assert.That(message.GetProperty("from_id").GetString(), Is.EqualTo("u1"));
        Assert.That(message.GetProperty("text").GetString(), Is.EqualTo("Hello!"));
        Assert.That(message.GetProperty("room").GetString(), Is.EqualTo("general"));
        Assert.That(message.GetProperty("timestamp").GetInt64(), Is.EqualTo(Chat.Time.NowMs));
        Assert.That(toAlice[0].GetRawText(), Is.EqualTo(message.GetRawText()), "one encoding for every member");
        JsonElement ack = toAlice[1];
        Assert.That(ack.GetProperty("ref").GetString(), Is.EqualTo("2"));
        Assert.That(ack.GetProperty("id").GetInt64(), Is.EqualTo(1));
        Assert.That(ack.GetProperty("room").GetString(), Is.EqualTo("general"));
    }

    [Test]
    public void Message_IdsIncreasePerRoomAndRoomsAreIndependent()
    {
        var alice = Chat.Connect("u1");
        alice.Join("a");
        alice.Join("b");
        alice.Take();
        alice.Say("a", "1");
        alice.Say("a", "2");
        alice.Say("b", "3");
        long[] ids = alice.Take().Select(m => m.GetProperty("id").GetInt64()).ToArray();
        Assert.That(ids, Is.EqualTo(new long[] { 1, 2, 1 }));
    }

    [Test]
    public void Message_WithoutRef_NoAck()
    {
        var alice = Chat.Connect("u1");
        alice.Join("a");
        alice.Take();
        alice.Say("a", "x");
        Assert.That(alice.Single().GetProperty("type").GetString(), Is.EqualTo("message"));
    }

    [Test]
    public void Message_TextIsByteExact_NotEscapedOrTrimmed()
    {
        var alice = Chat.Connect("u1");
        alice.Join("a");
        alice.Take();
        const string text = "  <b>&amp;</b> \"q\" é 🎉 \n ";
        alice.Say("a", text);
        JsonElement message = alice.Single();
        Assert.That(message.GetProperty("text").GetString(), Is.EqualTo(text));
        Assert.That(message.GetRawText(), Does.Contain("<b>&amp;</b>").And.Contain("é 🎉"), "no HTML or non-ASCII escaping on the wire");
    }

    [TestCase("nope")]
    [TestCase("joined-by-others")]
    public void Message_NotJoined_NotMemberAndNothingBroadcast(string room)
    {
        var alice = Chat.Connect("u1");
        var bob = Chat.Connect("u2");
        bob.Join("joined-by-others");
        bob.Take();
        alice.Say(room, "hi", "r1");
        JsonElement error = alice.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("not_member"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("r1"));
        Assert.That(bob.Take(), Is.Empty);
    }

    [Test]
    public void Typing_ToOtherUsersOnly_NotEchoedNotStored()
    {
        var alice1 = Chat.Connect("u1", "alice");
        var alice2 = Chat.Connect("u1", "alice");
        var bob = Chat.Connect("u2");
        alice1.Join("r");
        alice2.Join("r");
        bob.Join("r");
        alice1.Take();
        alice2.Take();
        bob.Take();
        alice1.Send("""{"type":"typing","room":"r","status":true}""");
        JsonElement typing = bob.Single();
        Assert.That(typing.GetProperty("type").GetString(), Is.EqualTo("typing"));
        Assert.That(typing.GetProperty("user").GetString(), Is.EqualTo("alice"));
        Assert.That(typing.GetProperty("user_id").GetString(), Is.EqualTo("u1"));
        Assert.That(typing.GetProperty("status").GetBoolean(), Is.True);
        Assert.That(alice1.Take(), Is.Empty);
        Assert.That(alice2.Take(), Is.Empty);
        bob.Send("""{"type":"history","room":"r"}""");
        Assert.That(bob.Single().GetProperty("messages").GetArrayLength(), Is.Zero);
    }

    [Test]
    public void Typing_NotJoined_NotMember()
    {
        var alice = Chat.Connect("u1");
        alice.Send("""{"type":"typing","room":"r","status":false,"ref":"t"}""");
        Assert.That(alice.Single().GetProperty("code").GetString(), Is.EqualTo("not_member"));
    }

    [Test]
    public void ListUsers_ExistingRoom_DistinctUsers()
    {
        var alice1 = Chat.Connect("u1", "alice");
        var alice2 = Chat.Connect("u1", "alice");
        var bob = Chat.Connect("u2", "bob");
        alice1.Join("r");
        alice2.Join("r");
        bob.Join("r");
        bob.Take();
        bob.Send("""{"type":"list_users","room":"r","ref":"lu"}""");
        JsonElement users = bob.Single();
        Assert.That(users.GetProperty("type").GetString(), Is.EqualTo("users"));
        Assert.That(users.GetProperty("ref").GetString(), Is.EqualTo("lu"));
        Assert.That(users.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("username").GetString()), Is.EquivalentTo(new[] { "alice", "bob" }));
    }

    [Test]
    public void ListUsers_UnknownRoom_RoomNotFound()
    {
        var alice = Chat.Connect("u1");
        alice.Send("""{"type":"list_users","room":"ghost","ref":"x"}""");
        JsonElement error = alice.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("room_not_found"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("x"));
    }

    [Test]
    public void History_UnknownRoom_RoomNotFound()
    {
        var alice = Chat.Connect("u1");
        alice.Send("""{"type":"history","room":"ghost"}""");
        Assert.That(alice.Single().GetProperty("code").GetString(), Is.EqualTo("room_not_found"));
    }

    [Test]
    public void History_DefaultLimit50_NewestOldestFirst_HasMore()
    {
        var alice = Chat.Connect("u1");
        alice.Join("r");
        for (int i = 1; i <= 80; i++) alice.Say("r", "m" + i);
        alice.Take();
        alice.Send("""{"type":"history","room":"r","ref":"h"}""");
        JsonElement history = alice.Single();
        Assert.That(history.GetProperty("type").GetString(), Is.EqualTo("history"));
        Assert.That(history.GetProperty("room").GetString(), Is.EqualTo("r"));
        Assert.That(history.GetProperty("ref").GetString(), Is.EqualTo("h"));
        long[] ids = history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()).ToArray();
        Assert.That(ids, Is.EqualTo(Enumerable.Range(31, 50).Select(i => (long)i).ToArray()));
        Assert.That(history.GetProperty("has_more").GetBoolean(), Is.True);
        JsonElement first = history.GetProperty("messages")[0];
        Assert.That(first.TryGetProperty("type", out _), Is.False, "history items have no type");
        Assert.That(first.GetProperty("text").GetString(), Is.EqualTo("m31"));
        Assert.That(first.GetProperty("from_id").GetString(), Is.EqualTo("u1"));
        Assert.That(first.GetProperty("room").GetString(), Is.EqualTo("r"));
    }

    [Test]
    public void History_PagingWithBefore_WalksBackToTheStart()
    {
        var alice = Chat.Connect("u1");
        alice.Join("r");
        for (int i = 1; i <= 25; i++) alice.Say("r", "m" + i);
        alice.Take();
        var seen = new List<long>();
        long? before = null;
        bool hasMore = true;
        while (hasMore)
        {
            alice.Send(before is null ? """{"type":"history","room":"r","limit":10}""" : $$"""{"type":"history","room":"r","limit":10,"before":{{before}}}""");
            JsonElement page = alice.Single();
            long[] ids = page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()).ToArray();
            Assert.That(ids, Is.Ordered.Ascending);
            seen.InsertRange(0, ids);
            before = ids[0];
            hasMore = page.GetProperty("has_more").GetBoolean();
        }

        Assert.That(seen, Is.EqualTo(Enumerable.Range(1, 25).Select(i => (long)i)));
    }

    [Test]
    public void History_Ring_KeepsOnlyTheLast100()
    {
        var alice = Chat.Connect("u1");
        alice.Join("r");
        for (int i = 1; i <= 130; i++) alice.Say("r", "m" + i);
        alice.Take();
        alice.Send("""{"type":"history","room":"r","limit":100}""");
        JsonElement history = alice.Single();
        long[] ids = history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()).ToArray();
        Assert.That(ids, Is.EqualTo(Enumerable.Range(31, 100).Select(i => (long)i).ToArray()));
        Assert.That(history.GetProperty("has_more").GetBoolean(), Is.False, "messages dropped from memory are not available");
    }

    [Test]
    public void JoinSince_EqualToLastId_NothingReplayed_RecoveredTrue()
    {
        var (bob, _) = RoomWithMessages(5);
        bob.Join("r", since: 5);
        JsonElement joined = bob.Single();
        Assert.That(joined.GetProperty("recovered").GetBoolean(), Is.True);
        Assert.That(joined.GetProperty("last_id").GetInt64(), Is.EqualTo(5));
    }

    [Test]
    public void JoinSince_GreaterThanLastId_NothingReplayed_RecoveredFalse()
    {
        var (bob, _) = RoomWithMessages(5);
        bob.Join("r", since: 9);
        JsonElement joined = bob.Single();
        Assert.That(joined.GetProperty("recovered").GetBoolean(), Is.False);
    }

    [Test]
    public void JoinSince_WithinRing_ReplaysMissedOldestFirst_RecoveredTrue()
    {
        var (bob, alice) = RoomWithMessages(8);
        bob.Join("r", since: 5);
        List<JsonElement> got = bob.Take();
        Assert.That(got[0].GetProperty("type").GetString(), Is.EqualTo("joined"));
        Assert.That(got[0].GetProperty("recovered").GetBoolean(), Is.True);
        Assert.That(got.Skip(1).Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(new long[] { 6, 7, 8 }));
        Assert.That(got.Skip(1).All(m => m.GetProperty("type").GetString() == "message"), Is.True);
        Assert.That(got[1].GetProperty("text").GetString(), Is.EqualTo("m6"));
        Assert.That(alice.Connection.OfType("presence"), Has.Count.EqualTo(1));
    }

    [Test]
    public void JoinSince_Zero_ReplaysEverythingKept()
    {
        var (bob, _) = RoomWithMessages(3);
        bob.Join("r", since: 0);
        List<JsonElement> got = bob.Take();
        Assert.That(got[0].GetProperty("recovered").GetBoolean(), Is.True);
        Assert.That(got.Skip(1).Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(new long[] { 1, 2, 3 }));
    }

    [Test]
    public void JoinSince_GapBeyondRing_ReplaysNewestKept_RecoveredFalse()
    {
        var (bob, _) = RoomWithMessages(150);
        bob.Join("r", since: 10);
        List<JsonElement> got = bob.Take();
        Assert.That(got[0].GetProperty("recovered").GetBoolean(), Is.False);
        Assert.That(got.Skip(1).Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(Enumerable.Range(51, 100).Select(i => (long)i)));
    }

    [Test]
    public void JoinSince_PastReplayLimit_ReplaysNewestLimit_RecoveredFalse()
    {
        using var chat = new ChatHarness(new WsChat.Core.ChatServerOptions { JwtSecret = TestTokens.Secret, ReplayLimit = 5, ShardCount = 2 });
        var alice = chat.Connect("u1");
        alice.Join("r");
        for (int i = 1; i <= 20; i++) alice.Say("r", "m" + i);
        var bob = chat.Connect("u2");
        bob.Join("r", since: 12);
        List<JsonElement> got = bob.Take();
        Assert.That(got[0].GetProperty("recovered").GetBoolean(), Is.False);
        Assert.That(got.Skip(1).Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(new long[] { 16, 17, 18, 19, 20 }));
    }

    [Test]
    public void Disconnect_LeavesEveryRoom_OthersSeeOffline()
    {
        var alice = Chat.Connect("u1");
        var bob = Chat.Connect("u2");
        foreach (string room in new[] { "a", "b", "c", "d", "e" })
        {
            alice.Join(room);
            bob.Join(room);
        }

        alice.Take();
        bob.Disconnect();
        List<JsonElement> offline = alice.Connection.OfType("presence");
        Assert.That(offline.Select(p => p.GetProperty("room").GetString()), Is.EquivalentTo(new[] { "a", "b", "c", "d", "e" }));
        Assert.That(offline.All(p => p.GetProperty("status").GetString() == "offline"), Is.True);
        alice.Take();
        alice.Send("""{"type":"list_users","room":"c"}""");
        Assert.That(alice.Single().GetProperty("users").GetArrayLength(), Is.EqualTo(1));
    }

    private (ChatHarness.Client Bob, ChatHarness.Client Alice) RoomWithMessages(int count)
    {
        var alice = Chat.Connect("u1");
        alice.Join("r");
        for (int i = 1; i <= count; i++) alice.Say("r", "m" + i);
        alice.Take();
        return (Chat.Connect("u2"), alice);
    }
}
