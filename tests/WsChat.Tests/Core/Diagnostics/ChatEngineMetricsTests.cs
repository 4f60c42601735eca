using WsChat.Core;
using WsChat.Core.Diagnostics;
using WsChat.Core.Shards;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Diagnostics;

/// <summary>The chat engine's counting sites, driven through the engine with fake connections.</summary>
public class ChatEngineMetricsTests
{
    [Test]
    public void ScriptedSession_EveryCounterMovesAsTheProtocolSays()
    {
        using var chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 4, UserRatePerSecond = 1, UserRateBurst = 3 });
        ChatMetrics m = chat.Engine.Metrics;
        var alice = chat.Connect("alice");
        var bob = chat.Connect("bob");
        var alice2 = chat.Connect("alice");
        Assert.Multiple(() =>
        {
            Assert.That(m.Users, Is.EqualTo(2));
            Assert.That(m.AuthenticatedConnections, Is.EqualTo(3));
        });

        alice.Join("general");
        bob.Join("general");
        bob.Join("random");
        alice.Say("general", "one");            // fanned out to 2 members
        alice.Say("general", "two");
        alice.Send("""{"type":"dm","to":"bob","text":"psst"}""");   // to bob (1) and alice's two connections
        alice.Say("general", "rate limited");   // the user bucket holds 3: this is the 4th
        bob.Send("""{"type":"leave","room":"nowhere"}""");           // not_member
        bob.Send("""{"type":"nonsense"}""");                         // bad_request
        bob.Send("""{"type":"ping"}""");
        var stranger = chat.Open();
        stranger.Send("""{"type":"join","room":"general"}""");       // unauthenticated
        stranger.Send("""{"type":"auth","token":"not.a.jwt"}""");    // malformed token

        Assert.Multiple(() =>
        {
            Assert.That(m.MessagesReceived(ReceivedMessageType.Join), Is.EqualTo(4));
            Assert.That(m.MessagesReceived(ReceivedMessageType.Message), Is.EqualTo(3));
            Assert.That(m.MessagesReceived(ReceivedMessageType.Dm), Is.EqualTo(1));
            Assert.That(m.MessagesReceived(ReceivedMessageType.Leave), Is.EqualTo(1));
            Assert.That(m.MessagesReceived(ReceivedMessageType.Ping), Is.EqualTo(1));
            Assert.That(m.MessagesReceived(ReceivedMessageType.Auth), Is.EqualTo(1));
            Assert.That(m.MessagesReceived(ReceivedMessageType.Invalid), Is.EqualTo(1));
            Assert.That(m.SumShards(s => s.RoomMessages), Is.EqualTo(2));
            Assert.That(m.SumShards(s => s.DirectMessages), Is.EqualTo(1));
            Assert.That(m.SumShards(s => s.Deliveries), Is.EqualTo(2 + 2 + 3));
            Assert.That(m.SumShards(s => s.DeliveryLatency.Count), Is.EqualTo(2));
            Assert.That(m.SumShards(s => s.Rooms), Is.EqualTo(2));
            Assert.That(m.SumShards(s => s.RoomMembers), Is.EqualTo(3));
            // Per shard: alice in general's shard, bob in general's and random's (one shard or two); alice2 nowhere.
            Assert.That(m.SumShards(s => s.Connections), Is.EqualTo(SameShard("general", "random") ? 2 : 3));
            Assert.That(m.RateLimitedTotal(RateLimitBucket.User), Is.EqualTo(1));
            Assert.That(m.Errors(Array.IndexOf(ChatErrorLabels.ErrorCodes, "rate_limited")), Is.EqualTo(1));
            Assert.That(m.Errors(Array.IndexOf(ChatErrorLabels.ErrorCodes, "not_member")), Is.EqualTo(1));
            Assert.That(m.Errors(Array.IndexOf(ChatErrorLabels.ErrorCodes, "bad_request")), Is.EqualTo(1));
            Assert.That(m.Errors(Array.IndexOf(ChatErrorLabels.ErrorCodes, "unauthenticated")), Is.EqualTo(2));
            Assert.That(m.AuthFailures(Array.IndexOf(ChatErrorLabels.AuthFailureReasons, "malformed")), Is.EqualTo(1));
        });

        bob.Disconnect();
        alice.Send("""{"type":"leave","room":"general"}""");
        Assert.Multiple(() =>
        {
            Assert.That(m.SumShards(s => s.RoomMembers), Is.Zero, "bob left both rooms by closing, alice by leave");
            Assert.That(m.SumShards(s => s.Connections), Is.Zero);
            Assert.That(m.Users, Is.EqualTo(1));
            Assert.That(m.AuthenticatedConnections, Is.EqualTo(2));
            Assert.That(m.Shards.Select(s => s.QueueDepth), Is.All.Zero);
        });
    }

    private static bool SameShard(string a, string b) =>
        ShardHash.ShardOf(ShardHash.Of(System.Text.Encoding.ASCII.GetBytes(a)), 4) == ShardHash.ShardOf(ShardHash.Of(System.Text.Encoding.ASCII.GetBytes(b)), 4);

    [Test]
    public void ConnectionPastThePerUserLimit_CountedAsTooManyConnections()
    {
        using var chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 1, MaxConnectionsPerUser = 2 });
        ChatMetrics m = chat.Engine.Metrics;
        int slot = Array.IndexOf(ChatErrorLabels.AuthFailureReasons, "too_many_connections");
        chat.Connect("alice");
        chat.Connect("alice");
        Assert.That(m.AuthFailures(slot), Is.Zero, "at the limit");
        chat.Connect("alice");
        Assert.Multiple(() =>
        {
            Assert.That(m.AuthFailures(slot), Is.EqualTo(1), "one past the limit");
            Assert.That(m.AuthenticatedConnections, Is.EqualTo(2));
        });
    }

    [Test]
    public void AuthTimeout_NoAuthInTime_CountedAsTimeout()
    {
        using var chat = new ChatHarness();
        var idle = chat.Open();
        chat.AdvanceTime(chat.Options.AuthTimeout + TimeSpan.FromSeconds(1));
        Assert.That(idle.Connection.CloseCode, Is.Not.Null);
        Assert.That(chat.Engine.Metrics.AuthFailures(Array.IndexOf(ChatErrorLabels.AuthFailureReasons, "timeout")), Is.EqualTo(1));
    }
}
