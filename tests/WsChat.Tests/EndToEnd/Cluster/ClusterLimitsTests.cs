using System.Net.WebSockets;
using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Cluster;

/// <summary>
/// The per-user limits of PROTOCOL.md §5 counted over the whole cluster (issue 8): connections per user across nodes,
/// a SIGKILLed node's connections no longer counted once its liveness expired, Redis down (each node counts its own),
/// and one user rate-limit bucket for a user connected to two nodes. Real wschat nodes, redis-server and PostgreSQL.
/// </summary>
[TestFixture, Category("Redis"), Category("Postgres"), NonParallelizable, CancelAfter(180_000)]
public class ClusterLimitsTests : ClusterFixtureBase
{
    [Test]
    public async Task ConnectionsPerUser_OnThreeNodes_AtTheLimitWelcomed_PastItClosed1008_FreedWhenOneCloses(CancellationToken ct)
    {
        await using WsChatCluster cluster = await WsChatCluster.StartAsync(3, await Database.CreateSchemaAsync(), ct, "--WsChat:MaxConnectionsPerUser=3");
        var open = new List<ChatTestClient>();
        try
        {
            // At the limit: one connection on each node, each welcomed. The first also sends join and a message right
            // after the upgrade, before its welcome: they wait for the admission and run after it, in order.
            ChatTestClient first = await ChatTestClient.ConnectAsync(UserUri(cluster.Nodes[0], "carol"), ct);
            open.Add(first);
            await first.SendAsync(new { type = "join", room = "r", @ref = "j" }, ct);
            await first.SendAsync(new { type = "message", room = "r", text = "early", @ref = "m" }, ct);
            await first.ExpectAsync("welcome", ct);
            await first.ExpectAsync("joined", ct);
            JsonElement early = await first.ExpectAsync("message", ct);
            Assert.That(early.GetProperty("text").GetString(), Is.EqualTo("early"));
            for (int i = 1; i < 3; i++) open.Add(await WelcomedAsync(cluster.Nodes[i], "carol", ct));

            // Past it, on any node: the new connection is closed 1008, without welcome; the others are untouched.
            for (int i = 0; i < 3; i++) await AssertRefusedAsync(cluster.Nodes[i], "carol", ct);
            await open[1].SendAsync(new { type = "ping", @ref = "still" }, ct);
            await open[1].ExpectAsync("pong", ct);
            ChatTestClient other = await WelcomedAsync(cluster.Nodes[0], "dave", ct);      // the limit is per user
            open.Add(other);

            // One closes (on node 2): a connection on node 0 is admitted again once node 2 recorded it.
            await open[2].CloseAsync(ct);
            open.RemoveAt(2);
            open.Add(await EventuallyWelcomedAsync(cluster.Nodes[0], "carol", ct));
            await AssertRefusedAsync(cluster.Nodes[1], "carol", ct);
        }
        finally
        {
            foreach (ChatTestClient client in open) await client.DisposeAsync();
        }
    }

    [Test]
    public async Task ConnectionsPerUser_NodeKilled_ItsConnectionsStopCountingWithinTheNodeTtl(CancellationToken ct)
    {
        await using WsChatCluster cluster = await WsChatCluster.StartAsync(2, await Database.CreateSchemaAsync(), ct,
            "--WsChat:MaxConnectionsPerUser=2", "--WsChat:Redis:NodeTtlMs=1500");
        var open = new List<ChatTestClient>();
        try
        {
            open.Add(await WelcomedAsync(cluster.Nodes[1], "erin", ct));
            open.Add(await WelcomedAsync(cluster.Nodes[1], "erin", ct));
            await AssertRefusedAsync(cluster.Nodes[0], "erin", ct);

            cluster.Nodes[1].Kill();       // SIGKILL: nothing is released, the counts stay in Redis
            foreach (ChatTestClient client in open) await client.Closed.WaitAsync(TimeSpan.FromSeconds(30), ct);

            // Within NodeTtlMs (+ a third of it for the sweep) node 1's counts no longer count.
            var started = System.Diagnostics.Stopwatch.StartNew();
            ChatTestClient first = await EventuallyWelcomedAsync(cluster.Nodes[0], "erin", ct);
            open.Add(first);
            open.Add(await WelcomedAsync(cluster.Nodes[0], "erin", ct));
            await AssertRefusedAsync(cluster.Nodes[0], "erin", ct);
            TestContext.Out.WriteLine($"admitted again {started.ElapsedMilliseconds} ms after the kill");
        }
        finally
        {
            foreach (ChatTestClient client in open) await client.DisposeAsync();
        }
    }

    [Test]
    public async Task ConnectionsPerUser_RedisDown_EachNodeCountsItsOwn_RecordedWhenRedisIsBack(CancellationToken ct)
    {
        await using WsChatCluster cluster = await WsChatCluster.StartAsync(2, await Database.CreateSchemaAsync(), ct, "--WsChat:MaxConnectionsPerUser=1");
        var open = new List<ChatTestClient>();
        try
        {
            await RedisServerControl.StopAsync(ct);
            open.Add(await WelcomedAsync(cluster.Nodes[0], "fay", ct));         // admitted on node 0's own count
            await AssertRefusedAsync(cluster.Nodes[0], "fay", ct);              // which still holds the limit there

            await RedisServerControl.StartAsync(ct);
            // Once node 0 reconnected it records its count again: node 1 refuses the user from then on.
            for (int attempt = 0; ; attempt++)
            {
                ChatTestClient client = await ChatTestClient.ConnectAsync(UserUri(cluster.Nodes[1], "fay"), ct);
                JsonElement? first = await FirstOrCloseAsync(client, ct);
                await client.DisposeAsync();
                if (first is null) break;
                Assert.That(attempt, Is.LessThan(150), "node 1 never saw node 0's connection after Redis came back\n" + cluster.Output);
                await Task.Delay(200, ct);
            }
        }
        finally
        {
            await RedisServerControl.StartAsync(CancellationToken.None);
            foreach (ChatTestClient client in open) await client.DisposeAsync();
        }
    }

    [Test]
    public async Task UserRate_ConnectionsOnTwoNodes_ShareOneBucket(CancellationToken ct)
    {
        // One token per 100 s: nothing refills during the test, however slow the machine.
        await using WsChatCluster cluster = await WsChatCluster.StartAsync(2, await Database.CreateSchemaAsync(), ct,
            "--WsChat:UserRatePerSecond=0.01", "--WsChat:UserRateBurst=4");
        // On node 1 first; node 0 then admits the second connection knowing the user is on node 1 too.
        await using ClusterMember onOne = await ClusterMember.ConnectAsync(cluster.Nodes[1], "gus", ct);
        await using ClusterMember onZero = await ClusterMember.ConnectAsync(cluster.Nodes[0], "gus", ct);
        foreach (ClusterMember member in new[] { onZero, onOne })
        {
            await member.SendAsync(new { type = "join", room = "r", @ref = "j" }, ct);
            await member.WaitForAsync(m => ClusterMember.Type(m) == "joined", ct, "joined");
        }

        // The burst (4) is spent on node 0 ...
        for (int n = 0; n < 4; n++)
        {
            await onZero.SendAsync(new { type = "message", room = "r", text = $"t{n}", @ref = $"a{n}" }, ct);
            await onZero.WaitForAsync(m => ClusterMember.Type(m) == "ack" && Ref(m) == $"a{n}", ct, $"ack a{n}");
        }

        await onZero.SendAsync(new { type = "message", room = "r", text = "over", @ref = "a4" }, ct);
        JsonElement refused = await onZero.WaitForAsync(m => Ref(m) == "a4", ct, "the reply to a4");
        Assert.That(ClusterMember.Type(refused) + " " + refused.GetProperty("code").GetString(), Is.EqualTo("error rate_limited"), refused.ToString());

        // ... so node 1, whose own bucket is untouched, refuses the user too (without the shared bucket: 4 more).
        foreach (string kind in new[] { "message", "typing", "dm" })
        {
            object command = kind switch
            {
                "message" => new { type = "message", room = "r", text = "from one", @ref = "b-" + kind },
                "typing" => new { type = "typing", room = "r", status = true, @ref = "b-" + kind },
                _ => (object)new { type = "dm", to = "someone", text = "psst", @ref = "b-" + kind },
            };
            await onOne.SendAsync(command, ct);
            JsonElement reply = await onOne.WaitForAsync(m => Ref(m) == "b-" + kind, ct, "the reply to " + kind);
            Assert.That(ClusterMember.Type(reply) + " " + reply.GetProperty("code").GetString(), Is.EqualTo("error rate_limited"), kind + ": " + reply);
            Assert.That(reply.GetProperty("retry_after_ms").GetInt32(), Is.GreaterThan(0));
        }

        // A command after a rate-limited one is not overtaken by it, and commands that cost no user token still work.
        await onOne.SendAsync(new { type = "list_users", room = "r", @ref = "after" }, ct);
        JsonElement users = await onOne.WaitForAsync(m => Ref(m) == "after", ct, "users");
        Assert.That(ClusterMember.Type(users), Is.EqualTo("users"));
        List<string?> order = [.. onOne.Received.Select(Ref).Where(r => r is "b-message" or "b-typing" or "b-dm" or "after")];
        Assert.That(order, Is.EqualTo(new[] { "b-message", "b-typing", "b-dm", "after" }));
        Assert.That(onOne.MessageIds("r"), Has.Count.EqualTo(4), "node 1 delivered node 0's 4 messages, none of its own");
    }

    private static Uri UserUri(WsChatProcess node, string user) => new($"ws://127.0.0.1:{node.Port}/ws?user={user}");

    private static string? Ref(JsonElement m) => m.TryGetProperty("ref", out JsonElement r) ? r.GetString() : null;

    private static async Task<ChatTestClient> WelcomedAsync(WsChatProcess node, string user, CancellationToken ct)
    {
        ChatTestClient client = await ChatTestClient.ConnectAsync(UserUri(node, user), ct);
        try
        {
            await client.ExpectAsync("welcome", ct);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    // The first message, or null when the server closed with 1008 "too many connections" before sending any.
    private static async Task<JsonElement?> FirstOrCloseAsync(ChatTestClient client, CancellationToken ct)
    {
        try
        {
            return await client.NextAsync(ct);
        }
        catch (InvalidOperationException)
        {
            Assert.That((client.CloseStatus, client.CloseDescription), Is.EqualTo(((WebSocketCloseStatus?)WebSocketCloseStatus.PolicyViolation, "too many connections")));
            return null;
        }
    }

    private static async Task AssertRefusedAsync(WsChatProcess node, string user, CancellationToken ct)
    {
        await using ChatTestClient client = await ChatTestClient.ConnectAsync(UserUri(node, user), ct);
        JsonElement? first = await FirstOrCloseAsync(client, ct);
        Assert.That(first, Is.Null, $"a connection past the limit got {first}");
    }

    // Closes are recorded in Redis shortly after the server sees them: retry (each refused attempt changes nothing).
    private static async Task<ChatTestClient> EventuallyWelcomedAsync(WsChatProcess node, string user, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            ChatTestClient client = await ChatTestClient.ConnectAsync(UserUri(node, user), ct);
            JsonElement? first = await FirstOrCloseAsync(client, ct);
            if (first is { } welcome)
            {
                Assert.That(welcome.GetProperty("type").GetString(), Is.EqualTo("welcome"));
                return client;
            }

            await client.DisposeAsync();
            Assert.That(attempt, Is.LessThan(150), "never admitted again");
            await Task.Delay(200, ct);
        }
    }
}
