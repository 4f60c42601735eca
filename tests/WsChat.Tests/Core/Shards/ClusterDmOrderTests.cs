using System.Text;
using System.Text.Json;
using WsChat.Core;
using WsChat.Core.Backplane;
using WsChat.Core.Ports;
using WsChat.Core.Sessions;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Shards;

/// <summary>
/// A DM pair's order on one node of a cluster (Shard.BackplaneDms.cs), with an in-memory backplane: DMs from other
/// nodes are delivered in id order whatever order they arrive in, once each, and a pair swept while its users are
/// online keeps its order (a new one would deliver again what this one delivered).
/// </summary>
[CancelAfter(30_000)]
public sealed class ClusterDmOrderTests
{
    private ChatHarness _chat = null!;
    private FakeBackplane _backplane = null!;
    private long _nextId;

    [SetUp]
    public async Task SetUp()
    {
        _chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 1 });
        _chat.Engine.AttachStorage(new InMemoryMessageStore());
        _backplane = new FakeBackplane();
        await _chat.Engine.AttachBackplaneAsync(_backplane, null, CancellationToken.None);
    }

    [TearDown]
    public async Task TearDown()
    {
        _chat.Dispose();
        await _backplane.DisposeAsync();
    }

    [Test]
    public void RemoteDms_ArrivingOutOfOrderAndTwice_DeliveredOnceInIdOrder()
    {
        FakeChatConnection bob = Connect("bob");
        // From another node, on the channels of both users (bob's twice: as if alice were here too), 3 before 1 and 2.
        foreach (long id in new long[] { 3, 1, 3, 2, 1 }) FromOtherNode("bob", id);
        _chat.RunShardsUntil(() => bob.OfType("dm").Count >= 3);
        _chat.Engine.RunShards();
        Assert.That(bob.OfType("dm").Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(new long[] { 1, 2, 3 }));
    }

    [Test]
    public void Pair_SweptWhileItsUsersAreOnline_StaysAndDeliversNothingTwice()
    {
        FakeChatConnection alice = Connect("alice");
        FakeChatConnection bob = Connect("bob");
        Send(alice, """{"type":"dm","to":"bob","text":"one","ref":"d1"}""");
        _chat.RunShardsUntil(() => bob.OfType("dm").Count == 1 && alice.OfType("ack").Count == 1);

        _chat.Engine.Shards[0].SweepIdleConversations();
        _chat.Engine.Shards[0].SweepIdleConversations();      // a second sweep drops what the first marked idle
        Assert.That(_chat.Engine.Shards[0].PairCount, Is.EqualTo(1), "the pair's users are online: it stays");

        Send(alice, """{"type":"dm","to":"bob","text":"two","ref":"d2"}""");
        _chat.RunShardsUntil(() => alice.OfType("ack").Count == 2);
        _chat.RunShardsUntil(() => bob.OfType("dm").Count >= 2);
        _chat.Engine.RunShards();
        Assert.That(bob.OfType("dm").Select(m => m.GetProperty("text").GetString()), Is.EqualTo(new[] { "one", "two" }));
        Assert.That(alice.OfType("dm").Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(new long[] { 1, 2 }), "the sender's copies too");
    }

    private FakeChatConnection Connect(string user)
    {
        var connection = new FakeChatConnection(++_nextId);
        _chat.Engine.Open(connection, new TokenIdentity(user, user, _chat.Time.NowMs + 3_600_000));
        lock (_backplane.Admissions) _backplane.Admissions[^1].SetResult(new ConnectionAdmission(true, 0));
        _chat.RunShardsUntil(() => connection.OfType("welcome").Count == 1);
        return connection;
    }

    private ChatSession SessionOf(FakeChatConnection connection) =>
        _chat.Engine.Users.All.SelectMany(u => u.Sessions).Single(s => s.Id == connection.Id);

    private void Send(FakeChatConnection connection, string json) => _chat.Engine.Receive(SessionOf(connection), Encoding.UTF8.GetBytes(json));

    // A DM from alice to bob stored by another node, as its envelope arrives on a user's channel.
    private void FromOtherNode(string channelUser, long id)
    {
        string payload = JsonSerializer.Serialize(new { type = "dm", id, from = "alice", from_id = "alice", to = "bob", text = "t" + id, timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        byte[] envelope = BackplaneEnvelope.Encode(EnvelopeKind.Dm, "other-node", id, Encoding.UTF8.GetBytes(ConversationKey.Direct("alice", "bob").Value), Encoding.UTF8.GetBytes(payload));
        _chat.Engine.OnMessage(new BackplaneChannel(BackplaneChannelKind.User, channelUser), envelope);
    }
}
