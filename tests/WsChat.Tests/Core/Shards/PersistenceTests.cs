using System.Text.Json;
using WsChat.Core;
using WsChat.Core.Ports;
using WsChat.Core.Storage;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Shards;

/// <summary>
/// PROTOCOL.md §5 "Delivery guarantees" on the chat engine with fake connections and a controllable store:
/// fan-out and ack only after the commit, server_busy when storage fails, dedup by ref, ids across restarts,
/// history and join-since replays beyond the ring, nothing lost or repeated around storage reads.
/// </summary>
[CancelAfter(30_000)]
public sealed class PersistenceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly List<ChatHarness> _harnesses = [];
    private ControllableMessageStore _store = null!;

    [SetUp]
    public void SetUp() => _store = new ControllableMessageStore();

    [TearDown]
    public async Task TearDown()
    {
        _store.Open();
        _store.OpenReads();
        foreach (ChatHarness harness in _harnesses) harness.Dispose();
        await _store.DisposeAsync();
    }

    private ChatHarness Start(int historySize = 100, int replayLimit = 1000)
    {
        var harness = new ChatHarness(new ChatServerOptions
        {
            JwtSecret = TestTokens.Secret,
            ShardCount = 2,
            UserRatePerSecond = 1e6,
            UserRateBurst = 1_000_000,
            RoomHistorySize = historySize,
            ReplayLimit = replayLimit,
        });
        harness.Engine.AttachStorage(_store, new MessageBatcherOptions { RetryDelay = TimeSpan.Zero });
        _harnesses.Add(harness);
        return harness;
    }

    private static bool Got(ChatHarness.Client client, string type, int count = 1) => client.Connection.OfType(type).Count >= count;

    private static long[] MessageIds(IEnumerable<JsonElement> messages) => [.. messages.Where(m => m.GetProperty("type").GetString() == "message").Select(m => m.GetProperty("id").GetInt64())];

    private static long[] Range(long from, long to) => [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => (long)i)];

    private void SayAll(ChatHarness chat, ChatHarness.Client client, string room, int count)
    {
        for (int i = 0; i < count; i++) client.Say(room, "m" + i, "r" + Guid.NewGuid().ToString("N")[..8]);
        chat.RunShardsUntil(() => client.Connection.OfType("ack").Count >= count);
    }

    // A join may read storage (a room not yet loaded): wait for its answer.
    private static ChatHarness.Client JoinGeneral(ChatHarness chat, string userId, string name)
    {
        var client = chat.Connect(userId, name);
        client.Join("general");
        chat.RunShardsUntil(() => Got(client, "joined"));
        return client;
    }

    // Alice (u1) and Bob (u2), both members of "general" when this returns.
    private static (ChatHarness.Client Alice, ChatHarness.Client Bob) AliceAndBobInGeneral(ChatHarness chat)
    {
        var alice = chat.Connect("u1", "alice");
        var bob = chat.Connect("u2", "bob");
        alice.Join("general");
        bob.Join("general");
        chat.RunShardsUntil(() => Got(alice, "joined") && Got(bob, "joined"));
        return (alice, bob);
    }

    // Alice stores `count` messages in "general" on one engine, which is then disposed: the engine returned
    // knows only what the store kept.
    private ChatHarness RestartAfterStoring(int count)
    {
        ChatHarness first = Start();
        var alice = JoinGeneral(first, "u1", "alice");
        SayAll(first, alice, "general", count);
        first.Dispose();
        _harnesses.Remove(first);
        return Start();
    }

    private IReadOnlyList<StoredMessage> StoredInGeneral(int limit) =>
        _store.ReadSinceAsync(ConversationKey.Room("general"), 0, limit, CancellationToken.None).Result.Messages;

    [Test]
    public void Message_WhileCommitPending_NothingSentUntilCommitThenMessageAndAck()
    {
        ChatHarness chat = Start();
        var (alice, bob) = AliceAndBobInGeneral(chat);
        alice.Take();
        bob.Take();

        _store.Close();
        alice.Say("general", "hello", "r1");
        _store.Entered.Task.Wait(Wait);
        chat.Engine.RunShards();
        Assert.Multiple(() =>
        {
            Assert.That(alice.Connection.Received, Is.Empty, "no message or ack before the commit");
            Assert.That(bob.Connection.Received, Is.Empty, "no broadcast before the commit");
        });

        _store.Open();
        chat.RunShardsUntil(() => Got(alice, "ack") && Got(bob, "message"));
        JsonElement ack = alice.Connection.OfType("ack").Single();
        JsonElement message = bob.Connection.OfType("message").Single();
        Assert.Multiple(() =>
        {
            Assert.That(ack.GetProperty("ref").GetString(), Is.EqualTo("r1"));
            Assert.That(ack.GetProperty("id").GetInt64(), Is.EqualTo(1));
            Assert.That(ack.GetProperty("room").GetString(), Is.EqualTo("general"));
            Assert.That(message.GetProperty("text").GetString(), Is.EqualTo("hello"));
            Assert.That(alice.Connection.Received.Select(m => m.GetProperty("type").GetString()), Is.EqualTo(new[] { "message", "ack" }), "the message, then its ack");
            Assert.That(StoredInGeneral(10).Select(m => m.Text), Is.EqualTo(new[] { "hello" }));
        });
    }

    [Test]
    public void Join_WhileAMessageIsBeingStored_LastIdIsTheStoredOneAndTheMessageFollows()
    {
        ChatHarness chat = Start();
        var alice = JoinGeneral(chat, "u1", "alice");
        _store.Close();
        alice.Say("general", "in flight", "r1");
        _store.Entered.Task.Wait(Wait);
        var bob = JoinGeneral(chat, "u2", "bob");
        // A client takes last_id as "seen up to here": an id still being stored must not be in it, or the
        // message would look like one it has already seen when it arrives.
        Assert.That(bob.Connection.OfType("joined").Single().GetProperty("last_id").GetInt64(), Is.Zero);
        _store.Open();
        chat.RunShardsUntil(() => Got(bob, "message"));
        Assert.That(bob.Connection.OfType("message").Single().GetProperty("id").GetInt64(), Is.EqualTo(1));
    }

    [Test]
    public void Message_StorageFails_ServerBusyWithRefAndNoBroadcastThenRecovers()
    {
        ChatHarness chat = Start();
        var (alice, bob) = AliceAndBobInGeneral(chat);
        alice.Take();
        bob.Take();

        _store.Failing = true;
        alice.Say("general", "lost", "r1");
        chat.RunShardsUntil(() => Got(alice, "error"));
        JsonElement error = alice.Connection.OfType("error").Single();
        Assert.Multiple(() =>
        {
            Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("server_busy"));
            Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("r1"));
            Assert.That(alice.Connection.OfType("message"), Is.Empty);
            Assert.That(bob.Connection.Received, Is.Empty, "an unstored message is never broadcast");
        });

        _store.Failing = false;
        alice.Say("general", "kept", "r2");
        chat.RunShardsUntil(() => Got(bob, "message"));
        chat.RunShardsUntil(() => Got(alice, "ack"));
        JsonElement kept = bob.Connection.OfType("message").Single();
        Assert.Multiple(() =>
        {
            Assert.That(kept.GetProperty("text").GetString(), Is.EqualTo("kept"));
            Assert.That(kept.GetProperty("id").GetInt64(), Is.EqualTo(2), "the refused message's id is not given again");
        });
    }

    [Test]
    public void Message_RetryWithSameRef_AckedWithOriginalIdAndBroadcastOnce()
    {
        ChatHarness chat = Start();
        var (alice, bob) = AliceAndBobInGeneral(chat);
        alice.Say("general", "once", "same");
        chat.RunShardsUntil(() => Got(alice, "ack"));
        alice.Say("general", "once", "same");
        chat.RunShardsUntil(() => Got(alice, "ack", 2));
        alice.Say("general", "next", "other");
        chat.RunShardsUntil(() => Got(alice, "ack", 3) && Got(bob, "message", 2));

        long[] acks = [.. alice.Connection.OfType("ack").Select(a => a.GetProperty("id").GetInt64())];
        Assert.Multiple(() =>
        {
            Assert.That(acks[0], Is.EqualTo(acks[1]), "the retry gets the original id");
            Assert.That(bob.Connection.OfType("message").Select(m => m.GetProperty("text").GetString()), Is.EqualTo(new[] { "once", "next" }));
            Assert.That(StoredInGeneral(10), Has.Count.EqualTo(2));
        });
    }

    [Test]
    public void Ids_EngineRestarted_ContinueFromStorage()
    {
        ChatHarness second = RestartAfterStoring(3);
        var bob = JoinGeneral(second, "u2", "bob");
        Assert.That(bob.Connection.OfType("joined").Single().GetProperty("last_id").GetInt64(), Is.EqualTo(3));
        bob.Say("general", "after restart", "r");
        second.RunShardsUntil(() => Got(bob, "ack"));
        Assert.That(bob.Connection.OfType("ack").Single().GetProperty("id").GetInt64(), Is.EqualTo(4));
    }

    [Test]
    public void History_BeyondTheRing_PagesBackThroughStorage()
    {
        ChatHarness chat = Start(historySize: 5);
        var alice = JoinGeneral(chat, "u1", "alice");
        SayAll(chat, alice, "general", 20);
        alice.Take();

        alice.Send("""{"type":"history","room":"general","limit":3,"ref":"h1"}""");
        chat.RunShardsUntil(() => Got(alice, "history"));
        alice.Send("""{"type":"history","room":"general","limit":10,"ref":"h2"}""");
        chat.RunShardsUntil(() => Got(alice, "history", 2));
        alice.Send("""{"type":"history","room":"general","limit":10,"before":11,"ref":"h3"}""");
        chat.RunShardsUntil(() => Got(alice, "history", 3));

        List<JsonElement> pages = alice.Connection.OfType("history");
        Assert.Multiple(() =>
        {
            Assert.That(MessageIdsOf(pages[0]), Is.EqualTo(Range(18, 20)), "from the ring");
            Assert.That(pages[0].GetProperty("has_more").GetBoolean(), Is.True);
            Assert.That(MessageIdsOf(pages[1]), Is.EqualTo(Range(11, 20)), "past the ring: from storage");
            Assert.That(pages[1].GetProperty("has_more").GetBoolean(), Is.True);
            Assert.That(MessageIdsOf(pages[2]), Is.EqualTo(Range(1, 10)));
            Assert.That(pages[2].GetProperty("has_more").GetBoolean(), Is.False);
            Assert.That(pages[2].GetProperty("ref").GetString(), Is.EqualTo("h3"));
            JsonElement first = pages[2].GetProperty("messages")[0];
            Assert.That(first.GetProperty("from").GetString(), Is.EqualTo("alice"));
            Assert.That(first.GetProperty("from_id").GetString(), Is.EqualTo("u1"));
            Assert.That(first.GetProperty("room").GetString(), Is.EqualTo("general"));
            Assert.That(first.TryGetProperty("type", out _), Is.False);
        });
    }

    private static long[] MessageIdsOf(JsonElement history) => [.. history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetInt64())];

    [Test]
    public void History_RoomOnlyInStorage_AfterRestartIsFound_UnknownRoomIsNot()
    {
        ChatHarness second = RestartAfterStoring(2);
        var bob = second.Connect("u2", "bob");
        bob.Send("""{"type":"history","room":"general"}""");
        bob.Send("""{"type":"history","room":"nowhere","ref":"x"}""");
        second.RunShardsUntil(() => Got(bob, "history") && Got(bob, "error"));
        Assert.Multiple(() =>
        {
            Assert.That(MessageIdsOf(bob.Connection.OfType("history").Single()), Is.EqualTo(new long[] { 1, 2 }));
            Assert.That(bob.Connection.OfType("error").Single().GetProperty("code").GetString(), Is.EqualTo("room_not_found"));
            // "nowhere" was created to look for it in storage, then dropped: the rooms gauge counts only "general".
            Assert.That(second.Engine.Metrics.SumShards(m => m.Rooms), Is.EqualTo(1));
        });
    }

    [Test]
    public void Join_SinceBeyondTheRing_ReplaysFromStorageInOrderRecovered()
    {
        ChatHarness chat = Start(historySize: 5);
        var alice = JoinGeneral(chat, "u1", "alice");
        SayAll(chat, alice, "general", 20);

        var bob = chat.Connect("u2", "bob");
        bob.Join("general", since: 3);
        chat.RunShardsUntil(() => Got(bob, "message", 17));
        List<JsonElement> received = bob.Take();
        Assert.Multiple(() =>
        {
            Assert.That(received[0].GetProperty("type").GetString(), Is.EqualTo("joined"));
            Assert.That(received[0].GetProperty("recovered").GetBoolean(), Is.True);
            Assert.That(received[0].GetProperty("last_id").GetInt64(), Is.EqualTo(20));
            Assert.That(MessageIds(received), Is.EqualTo(Range(4, 20)));
        });
    }

    [Test]
    public void Join_SinceMoreThanReplayLimit_NewestReplayedNotRecovered()
    {
        ChatHarness chat = Start(historySize: 5, replayLimit: 10);
        var alice = JoinGeneral(chat, "u1", "alice");
        SayAll(chat, alice, "general", 30);
        var bob = chat.Connect("u2", "bob");
        bob.Join("general", since: 0);
        chat.RunShardsUntil(() => Got(bob, "message", 10));
        List<JsonElement> received = bob.Take();
        Assert.Multiple(() =>
        {
            Assert.That(received[0].GetProperty("recovered").GetBoolean(), Is.False);
            Assert.That(MessageIds(received), Is.EqualTo(Range(21, 30)));
        });
    }

    [Test]
    public void Join_SinceWhileMessagesCommitDuringTheRead_NoGapNoDuplicate()
    {
        ChatHarness chat = Start(historySize: 5);
        var alice = JoinGeneral(chat, "u1", "alice");
        SayAll(chat, alice, "general", 20);

        _store.CloseReads();                      // bob's replay read takes its snapshot, then waits
        var bob = chat.Connect("u2", "bob");
        bob.Join("general", since: 2);
        bob.Send("""{"type":"message","room":"general","text":"pipelined","ref":"p"}""");   // waits behind the join
        SayAll(chat, alice, "general", 3);        // 21..23 committed while the read waits: not in its result
        Assert.That(bob.Connection.Received, Is.Empty, "not a member until the replay is read");
        _store.OpenReads();
        chat.RunShardsUntil(() => Got(bob, "ack"));

        List<JsonElement> received = bob.Take();
        Assert.Multiple(() =>
        {
            Assert.That(received[0].GetProperty("type").GetString(), Is.EqualTo("joined"));
            Assert.That(received[0].GetProperty("recovered").GetBoolean(), Is.True);
            Assert.That(MessageIds(received), Is.EqualTo(Range(3, 24)), "3..20 from storage, 21..23 from the ring, then its own 24");
            Assert.That(received.Last().GetProperty("type").GetString(), Is.EqualTo("ack"));
        });
    }

    [Test]
    public void Join_WhileTheRoomLoads_LaterCommandsKeepTheirOrder()
    {
        ChatHarness chat = Start();
        _store.CloseReads();
        var alice = chat.Connect("u1", "alice");
        alice.Join("general");
        alice.Say("general", "first", "a");
        alice.Send("""{"type":"leave","room":"general","ref":"l"}""");
        Assert.That(alice.Connection.Received, Is.Empty);
        _store.OpenReads();
        chat.RunShardsUntil(() => Got(alice, "left"));
        chat.RunShardsUntil(() => Got(alice, "ack"));
        Assert.Multiple(() =>
        {
            // joined; the message accepted as a member (its fan-out waits for the commit); left; then the ack.
            // Left before the commit, alice is not sent her own message.
            Assert.That(alice.Take().Select(m => m.GetProperty("type").GetString()), Is.EqualTo(new[] { "joined", "left", "ack" }));
            Assert.That(StoredInGeneral(10).Select(m => m.Text), Is.EqualTo(new[] { "first" }));
        });
    }

    [Test]
    public void Join_ConnectionClosesWhileTheRoomLoads_NeverBecomesAMember()
    {
        ChatHarness chat = Start();
        _store.CloseReads();
        var ghost = chat.Connect("u1", "ghost");
        ghost.Join("general");
        ghost.Disconnect();
        _store.OpenReads();
        var bob = JoinGeneral(chat, "u2", "bob");
        JsonElement joined = bob.Connection.OfType("joined").Single();
        Assert.That(joined.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user_id").GetString()), Is.EqualTo(new[] { "u2" }));
    }

    [Test]
    public void Join_StorageUnreadable_ServerBusyThenWorksOnceBack()
    {
        ChatHarness chat = Start();
        _store.ReadsFailing = true;
        var alice = chat.Connect("u1", "alice");
        alice.Send("""{"type":"join","room":"general","ref":"j1"}""");
        chat.RunShardsUntil(() => Got(alice, "error"));
        JsonElement error = alice.Connection.OfType("error").Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("server_busy"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("j1"));

        _store.ReadsFailing = false;
        alice.Send("""{"type":"join","room":"general","ref":"j2"}""");
        chat.RunShardsUntil(() => Got(alice, "joined"));
        Assert.That(alice.Connection.OfType("joined").Single().GetProperty("ref").GetString(), Is.EqualTo("j2"));
    }

    [Test]
    public void Dm_ToOfflineUser_StoredAckedAndInTheirHistoryLater()
    {
        ChatHarness chat = Start();
        var alice = chat.Connect("u1", "alice");
        alice.Send("""{"type":"dm","to":"u9","text":"are you there?","ref":"d1"}""");
        chat.RunShardsUntil(() => Got(alice, "ack"));
        Assert.That(alice.Connection.OfType("dm").Single().GetProperty("to").GetString(), Is.EqualTo("u9"), "the sender's connections get it");

        var carol = chat.Connect("u9", "carol");
        carol.Send("""{"type":"history","dm":"u1"}""");
        chat.RunShardsUntil(() => Got(carol, "history"));
        JsonElement history = carol.Connection.OfType("history").Single();
        JsonElement dm = history.GetProperty("messages").EnumerateArray().Single();
        Assert.Multiple(() =>
        {
            Assert.That(dm.GetProperty("text").GetString(), Is.EqualTo("are you there?"));
            Assert.That(dm.GetProperty("from_id").GetString(), Is.EqualTo("u1"));
            Assert.That(dm.GetProperty("to").GetString(), Is.EqualTo("u9"));
            Assert.That(alice.Connection.OfType("ack").Single().GetProperty("id").GetInt64(), Is.EqualTo(dm.GetProperty("id").GetInt64()));
        });
    }

    [Test]
    public void Dm_BothOnline_DeliveredToBothAfterCommitWithPairIds()
    {
        ChatHarness chat = Start();
        var alice = chat.Connect("u1", "alice");
        var bob = chat.Connect("u2", "bob");
        alice.Send("""{"type":"dm","to":"u2","text":"one","ref":"d1"}""");
        bob.Send("""{"type":"dm","to":"u1","text":"two","ref":"d2"}""");
        chat.RunShardsUntil(() => Got(alice, "dm", 2) && Got(bob, "dm", 2) && Got(alice, "ack") && Got(bob, "ack"));
        Assert.Multiple(() =>
        {
            Assert.That(bob.Connection.OfType("dm").Select(d => d.GetProperty("id").GetInt64()), Is.EqualTo(new long[] { 1, 2 }));
            Assert.That(alice.Connection.OfType("dm").Select(d => d.GetProperty("text").GetString()), Is.EqualTo(new[] { "one", "two" }));
        });
    }

    [Test]
    public void Drain_PendingMessages_CommittedAndAcked()
    {
        ChatHarness chat = Start();
        var alice = JoinGeneral(chat, "u1", "alice");
        _store.Close();
        for (int i = 0; i < 50; i++) alice.Say("general", "m" + i, "r" + i);
        Task drain = chat.Engine.DrainStorageAsync(CancellationToken.None);
        alice.Say("general", "too late", "late");
        _store.Open();
        Assert.That(drain.Wait(Wait), Is.True);
        chat.RunShardsUntil(() => Got(alice, "ack", 50));
        Assert.Multiple(() =>
        {
            Assert.That(StoredInGeneral(100), Has.Count.EqualTo(50));
            JsonElement refused = alice.Connection.OfType("error").Single();
            Assert.That(refused.GetProperty("code").GetString(), Is.EqualTo("server_busy"), "nothing is accepted while draining");
            Assert.That(refused.GetProperty("ref").GetString(), Is.EqualTo("late"));
        });
    }
}
