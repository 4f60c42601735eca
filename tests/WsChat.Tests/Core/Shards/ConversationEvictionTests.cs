using System.Text.Json;
using WsChat.Core;
using WsChat.Core.Shards;
using WsChat.Core.Storage;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Shards;

/// <summary>
/// Shard.Eviction.cs: the rooms a server keeps are bounded (<see cref="ChatServerOptions.MaxRooms"/>), and with
/// persistence on an unused room or DM pair leaves memory and comes back from storage unchanged: the same
/// history, ids going on from the stored last id, never one given twice.
/// </summary>
[CancelAfter(30_000)]
public sealed class ConversationEvictionTests
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
        foreach (ChatHarness harness in _harnesses) harness.Dispose();
        await _store.DisposeAsync();
    }

    private ChatHarness Start(bool persistent, int maxRooms = 100_000)
    {
        var harness = new ChatHarness(new ChatServerOptions
        {
            JwtSecret = TestTokens.Secret,
            ShardCount = 1,
            UserRatePerSecond = 1e6,
            UserRateBurst = 1_000_000,
            MaxRooms = maxRooms,
        });
        if (persistent) harness.Engine.AttachStorage(_store, new MessageBatcherOptions { RetryDelay = TimeSpan.Zero });
        _harnesses.Add(harness);
        return harness;
    }

    private static Shard OnlyShard(ChatHarness chat) => chat.Engine.Shards[0];

    private static int Sweep(ChatHarness chat) => OnlyShard(chat).SweepIdleConversations();

    private static List<JsonElement> OfType(ChatHarness.Client client, string type) => client.Connection.OfType(type);

    private static ChatHarness.Client JoinAndSay(ChatHarness chat, string room, int messages)
    {
        var alice = chat.Connect("u1", "alice");
        alice.Join(room);
        chat.RunShardsUntil(() => OfType(alice, "joined").Count == 1);
        for (int i = 0; i < messages; i++) alice.Say(room, "m" + i, "r" + i);
        chat.RunShardsUntil(() => OfType(alice, "ack").Count == messages);
        return alice;
    }

    [Test]
    public void Sweep_RoomUnusedForTwoSweeps_DroppedAndLoadedAgainWithItsHistoryAndIds()
    {
        ChatHarness chat = Start(persistent: true);
        var alice = JoinAndSay(chat, "general", 3);
        alice.Send("""{"type":"leave","room":"general"}""");

        Assert.That(Sweep(chat), Is.Zero, "the first sweep only marks");
        Assert.That(Sweep(chat), Is.EqualTo(1));
        Assert.That(OnlyShard(chat).RoomCount, Is.Zero);

        var bob = chat.Connect("u2", "bob");
        bob.Join("general", since: 1);
        chat.RunShardsUntil(() => OfType(bob, "message").Count == 2);
        JsonElement joined = OfType(bob, "joined").Single();
        Assert.That(joined.GetProperty("last_id").GetInt64(), Is.EqualTo(3));
        Assert.That(OfType(bob, "message").Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(new long[] { 2, 3 }));

        bob.Say("general", "after", "b1");
        chat.RunShardsUntil(() => OfType(bob, "ack").Count == 1);
        Assert.That(OfType(bob, "ack").Single().GetProperty("id").GetInt64(), Is.EqualTo(4), "ids go on from the stored last id");
    }

    [Test]
    public void Sweep_RoomWithAMember_Kept()
    {
        ChatHarness chat = Start(persistent: true);
        JoinAndSay(chat, "general", 1);

        Sweep(chat);
        Assert.That(Sweep(chat), Is.Zero);
        Assert.That(OnlyShard(chat).RoomCount, Is.EqualTo(1));
    }

    [Test]
    public void Sweep_CommandBetweenSweeps_ClearsTheMark()
    {
        ChatHarness chat = Start(persistent: true);
        var alice = JoinAndSay(chat, "general", 1);
        alice.Send("""{"type":"leave","room":"general"}""");

        Sweep(chat);
        alice.Send("""{"type":"history","room":"general"}""");
        chat.RunShardsUntil(() => OfType(alice, "history").Count == 1);
        Assert.That(Sweep(chat), Is.Zero, "used since the last sweep");
        Assert.That(Sweep(chat), Is.EqualTo(1));
    }

    [Test]
    public void Sweep_MessageOnItsWayToStorage_RoomKeptUntilCommitted()
    {
        ChatHarness chat = Start(persistent: true);
        var alice = JoinAndSay(chat, "general", 1);

        _store.Close();
        alice.Say("general", "pending", "p1");
        _store.Entered.Task.Wait(Wait);
        alice.Send("""{"type":"leave","room":"general"}""");
        Sweep(chat);
        Assert.That(Sweep(chat), Is.Zero, "a message in flight keeps its room (its next load would reuse the id)");

        _store.Open();
        chat.RunShardsUntil(() => OfType(alice, "ack").Count == 2);
        Sweep(chat);
        Assert.That(Sweep(chat), Is.EqualTo(1));

        alice.Join("general");
        chat.RunShardsUntil(() => OfType(alice, "joined").Count == 2);
        alice.Say("general", "next", "n1");
        chat.RunShardsUntil(() => OfType(alice, "ack").Count == 3);
        Assert.That(OfType(alice, "ack").Select(a => a.GetProperty("id").GetInt64()), Is.EqualTo(new long[] { 1, 2, 3 }));
    }

    [Test]
    public void Sweep_DmPairUnused_DroppedAndItsIdsGoOn()
    {
        ChatHarness chat = Start(persistent: true);
        var alice = chat.Connect("u1", "alice");
        var bob = chat.Connect("u2", "bob");
        alice.Send("""{"type":"dm","to":"u2","text":"hi","ref":"d1"}""");
        chat.RunShardsUntil(() => OfType(alice, "ack").Count == 1);

        Sweep(chat);
        Assert.That(Sweep(chat), Is.EqualTo(1));
        Assert.That(OnlyShard(chat).PairCount, Is.Zero);

        bob.Send("""{"type":"dm","to":"u1","text":"hello","ref":"d2"}""");
        chat.RunShardsUntil(() => OfType(bob, "ack").Count == 1);
        Assert.That(OfType(bob, "ack").Single().GetProperty("id").GetInt64(), Is.EqualTo(2));
        bob.Send("""{"type":"history","dm":"u1"}""");
        chat.RunShardsUntil(() => OfType(bob, "history").Count == 1);
        JsonElement[] messages = [.. OfType(bob, "history").Single().GetProperty("messages").EnumerateArray()];
        Assert.That(messages.Select(m => m.GetProperty("text").GetString()), Is.EqualTo(new[] { "hi", "hello" }));
    }

    [Test]
    public void Sweep_WithoutPersistence_KeepsEveryRoom()
    {
        ChatHarness chat = Start(persistent: false);
        var alice = JoinAndSay(chat, "general", 2);
        alice.Send("""{"type":"leave","room":"general"}""");

        Sweep(chat);
        Assert.That(Sweep(chat), Is.Zero, "memory is the only copy of its history and last id");
        Assert.That(OnlyShard(chat).RoomCount, Is.EqualTo(1));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Join_AtTheRoomLimit_NewRoomRefusedServerBusyExistingStillJoinable(bool persistent)
    {
        ChatHarness chat = Start(persistent, maxRooms: 2);
        var alice = chat.Connect("u1", "alice");
        alice.Join("a");
        alice.Join("b");
        chat.RunShardsUntil(() => OfType(alice, "joined").Count == 2);

        alice.Send("""{"type":"join","room":"c","ref":"j3"}""");
        chat.RunShardsUntil(() => OfType(alice, "error").Count == 1);
        JsonElement error = OfType(alice, "error").Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("server_busy"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("j3"));
        Assert.That(OnlyShard(chat).RoomCount, Is.EqualTo(2));

        var bob = chat.Connect("u2", "bob");
        bob.Join("b");
        chat.RunShardsUntil(() => OfType(bob, "joined").Count == 1);
        Assert.That(OfType(bob, "error"), Is.Empty, "joining an existing room creates none");
    }

    [Test]
    public void Join_RoomLimitFreedBySweep_NewRoomAccepted()
    {
        ChatHarness chat = Start(persistent: true, maxRooms: 1);
        var alice = JoinAndSay(chat, "a", 1);
        alice.Send("""{"type":"leave","room":"a"}""");
        alice.Join("b");
        chat.RunShardsUntil(() => OfType(alice, "error").Count == 1);

        Sweep(chat);
        Sweep(chat);
        alice.Join("b");
        chat.RunShardsUntil(() => OfType(alice, "joined").Count == 2);
        Assert.That(OfType(alice, "joined").Last().GetProperty("room").GetString(), Is.EqualTo("b"));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void Validate_MaxRoomsBelowOne_Throws(int maxRooms) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChatServerOptions { JwtSecret = TestTokens.Secret, MaxRooms = maxRooms }.Validate());

    [Test]
    public void Validate_RetentionZero_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChatServerOptions { JwtSecret = TestTokens.Secret, IdleConversationRetention = TimeSpan.Zero }.Validate());
}
