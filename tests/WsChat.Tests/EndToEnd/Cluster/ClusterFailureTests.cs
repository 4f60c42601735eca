using System.Net;
using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Cluster;

/// <summary>
/// Failures of a cluster of real wschat nodes (issue 8 "Must show"): a node SIGKILLed mid-stream, whose clients
/// reconnect to another node and recover with <c>since</c>; Redis restarted mid-stream. Checked by id: no gap, no
/// duplicate, every acked message seen by every member.
/// </summary>
[TestFixture, Category("Redis"), Category("Postgres"), NonParallelizable, CancelAfter(240_000)]
public class ClusterFailureTests : ClusterFixtureBase
{
    [Test]
    public async Task NodeKilledMidStream_ItsClientRejoinsAnotherNodeWithSince_SeesEveryMessageOnce(CancellationToken ct)
    {
        await using WsChatCluster cluster = await WsChatCluster.StartAsync(3, await Database.CreateSchemaAsync(), ct);
        await using ClusterMember observer = await Join(cluster.Nodes[0], "observer", "stream", ct);
        ClusterMember victim = await Join(cluster.Nodes[1], "victim", "stream", ct);
        await using ClusterMember sender = await Join(cluster.Nodes[2], "sender", "stream", ct);

        const int Total = 40;
        Task sending = Task.Run(async () =>
        {
            for (int n = 0; n < Total; n++)
            {
                await sender.SendAsync(new { type = "message", room = "stream", text = $"t{n}", @ref = $"r{n}" }, ct);
                await Task.Delay(40, ct);
            }
        }, ct);

        await victim.WaitUntilAsync(r => r.Count(m => ClusterMember.Type(m) == "message") >= 12, ct);
        cluster.Nodes[1].Kill();
        await victim.Ended.WaitAsync(TimeSpan.FromSeconds(30), ct);
        List<long> beforeCrash = victim.MessageIds("stream");
        await victim.DisposeAsync();

        // The client reconnects to a surviving node and recovers what it missed.
        await using ClusterMember again = await ClusterMember.ConnectAsync(cluster.Nodes[2], "victim", ct);
        await again.SendAsync(new { type = "join", room = "stream", since = beforeCrash[^1], @ref = "rejoin" }, ct);
        JsonElement joined = await again.WaitForAsync(m => ClusterMember.Type(m) == "joined", ct, "joined");
        Assert.That(joined.GetProperty("recovered").GetBoolean(), Is.True, joined.ToString());

        await sending;
        await sender.WaitUntilAsync(r => r.Count(m => ClusterMember.Type(m) == "ack") >= Total, ct);
        List<long> acked = [.. sender.Received.Where(m => ClusterMember.Type(m) == "ack").Select(m => m.GetProperty("id").GetInt64())];
        Assert.That(acked, Has.Count.EqualTo(Total));
        await observer.WaitUntilAsync(r => r.Count(m => ClusterMember.Type(m) == "message") >= Total, ct);
        await again.WaitUntilAsync(r => beforeCrash.Count + r.Count(m => ClusterMember.Type(m) == "message") >= Total, ct);

        List<long> seen = [.. beforeCrash, .. again.MessageIds("stream")];
        Assert.That(observer.MessageIds("stream"), Is.EqualTo(acked), "the observer saw every acked message, in id order");
        Assert.That(seen, Is.EqualTo(acked), "the recovered client: no gap, no duplicate, by id\n" + cluster.Output);
    }

    [Test]
    public async Task NodeKilled_ItsUsersGoOfflineOnTheOtherNodes_WithinTheNodeTtl(CancellationToken ct)
    {
        await using WsChatCluster cluster = await WsChatCluster.StartAsync(2, await Database.CreateSchemaAsync(), ct, "--WsChat:Redis:NodeTtlMs=1500");
        await using ClusterMember alice = await Join(cluster.Nodes[0], "alice", "room", ct);
        await using ClusterMember bob = await Join(cluster.Nodes[1], "bob", "room", ct);
        await alice.WaitForAsync(m => ClusterMember.Type(m) == "presence" && m.GetProperty("status").GetString() == "online", ct, "bob online");

        cluster.Nodes[1].Kill();
        JsonElement offline = await alice.WaitForAsync(m => ClusterMember.Type(m) == "presence" && m.GetProperty("status").GetString() == "offline", ct, "bob offline");
        Assert.That((offline.GetProperty("user_id").GetString(), offline.GetProperty("user").GetString(), offline.GetProperty("room").GetString()),
            Is.EqualTo(("bob", "bob", "room")));
        await alice.SendAsync(new { type = "list_users", room = "room", @ref = "l" }, ct);
        JsonElement users = await alice.WaitForAsync(m => ClusterMember.Type(m) == "users", ct, "users");
        Assert.That(users.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user_id").GetString()), Is.EqualTo(new[] { "alice" }));
    }

    [Test]
    public async Task RedisRestartedMidStream_NoMemberMissesAMessage_AndReadyzSaysRedisWhileItIsDown(CancellationToken ct)
    {
        await using WsChatCluster cluster = await WsChatCluster.StartAsync(3, await Database.CreateSchemaAsync(), ct);
        // GapSkipAfterMs stays at its default (6 s): a shorter one gives up ids whose commit is merely slow on a loaded
        // machine, and members on other nodes would then miss them (which this test would rightly report).
        var members = new List<ClusterMember>();
        try
        {
            for (int i = 0; i < 3; i++) members.Add(await Join(cluster.Nodes[i], "m" + i, "room", ct));
            await using ClusterMember sender = await Join(cluster.Nodes[0], "sender", "room", ct);

            const int Total = 45;
            var acked = new List<long>();
            int busy = 0;
            for (int n = 0; n < Total; n++)
            {
                if (n == 15)
                {
                    await RedisServerControl.StopAsync(ct);
                    await WaitForReadyzAsync(cluster.Nodes[1], HttpStatusCode.ServiceUnavailable, "redis", ct);
                }

                // A refused message (server_busy while Redis is away) is sent again with the same ref, like ChatClient does.
                while (true)
                {
                    int errorsBefore = Errors(sender, n);
                    await sender.SendAsync(new { type = "message", room = "room", text = $"t{n}", @ref = $"r{n}" }, ct);
                    JsonElement reply = await sender.WaitForAsync(m => (ClusterMember.Type(m) == "ack" && Ref(m) == $"r{n}") || Errors(sender, n) > errorsBefore, ct, $"the reply to r{n}");
                    if (ClusterMember.Type(reply) == "ack")
                    {
                        acked.Add(reply.GetProperty("id").GetInt64());
                        break;
                    }

                    busy++;
                    if (busy == 3) await RedisServerControl.StartAsync(ct);        // back after a few refusals
                    await Task.Delay(200, ct);
                }
            }

            Assert.That(busy, Is.GreaterThanOrEqualTo(3), "messages were refused while Redis was down");
            Assert.That(acked, Is.Ordered.Ascending.And.Unique);
            foreach (ClusterMember member in members)
            {
                await member.WaitUntilAsync(r => r.Count(m => ClusterMember.Type(m) == "message") >= Total, ct);
                Assert.That(member.MessageIds("room"), Is.EqualTo(acked), $"{member.User}: every acked message once, in id order\n{cluster.Output}");
            }

            await WaitForReadyzAsync(cluster.Nodes[1], HttpStatusCode.OK, "ready", ct);
        }
        finally
        {
            await RedisServerControl.StartAsync(CancellationToken.None);
            foreach (ClusterMember member in members) await member.DisposeAsync();
        }
    }

    private static async Task<ClusterMember> Join(WsChatProcess node, string user, string room, CancellationToken ct)
    {
        ClusterMember member = await ClusterMember.ConnectAsync(node, user, ct);
        await member.SendAsync(new { type = "join", room, @ref = "join" }, ct);
        await member.WaitForAsync(m => ClusterMember.Type(m) == "joined", ct, "joined");
        return member;
    }

    private static string? Ref(JsonElement m) => m.TryGetProperty("ref", out JsonElement r) ? r.GetString() : null;

    private static int Errors(ClusterMember member, int n) =>
        member.Received.Count(m => ClusterMember.Type(m) == "error" && Ref(m) == $"r{n}" && m.GetProperty("code").GetString() == "server_busy");

    private static async Task WaitForReadyzAsync(WsChatProcess node, HttpStatusCode status, string body, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string last = "";
        for (int i = 0; i < 200; i++)
        {
            using HttpResponseMessage response = await http.GetAsync(new Uri(node.BaseUri, "/readyz"), ct);
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}";
            if (response.StatusCode == status && last.Contains(body, StringComparison.Ordinal)) return;
            await Task.Delay(100, ct);
        }

        Assert.Fail($"/readyz never answered {(int)status} with '{body}'; last: {last}");
    }
}
