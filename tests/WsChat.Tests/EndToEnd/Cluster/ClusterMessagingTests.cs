using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Cluster;

/// <summary>
/// Three real wschat nodes, a real redis-server and a real PostgreSQL (issue 8 "Must show"): room messages in one id
/// order on every node, DMs, presence and typing across nodes.
/// </summary>
[TestFixture, Category("Redis"), Category("Postgres"), NonParallelizable, CancelAfter(180_000)]
public class ClusterMessagingTests : ClusterFixtureBase
{
    [Test]
    public async Task Room_MembersOnThreeNodesSendAtOnce_EveryMemberSeesEveryMessageInOneIdOrder(CancellationToken ct)
    {
        await using WsChatCluster cluster = await WsChatCluster.StartAsync(3, await Database.CreateSchemaAsync(), ct);
        var members = new List<ClusterMember>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                ClusterMember member = await ClusterMember.ConnectAsync(cluster.Nodes[i], "u" + i, ct);
                members.Add(member);
                await member.SendAsync(new { type = "join", room = "general", @ref = "j" }, ct);
                await member.WaitForAsync(m => ClusterMember.Type(m) == "joined", ct, "joined");
            }

            const int PerMember = 25;
            await Task.WhenAll(members.Select(async (member, i) =>
            {
                for (int n = 0; n < PerMember; n++) await member.SendAsync(new { type = "message", room = "general", text = $"m{i}-{n}", @ref = $"r{n}" }, ct);
            }));

            foreach (ClusterMember member in members)
            {
                await member.WaitUntilAsync(r => r.Count(m => ClusterMember.Type(m) == "message") >= 3 * PerMember, ct);
            }

            List<long> first = members[0].MessageIds("general");
            Assert.That(first, Has.Count.EqualTo(3 * PerMember), cluster.Output);
            Assert.That(first, Is.Ordered.Ascending.And.Unique, "ids in increasing order, none twice");
            foreach (ClusterMember member in members.Skip(1))
            {
                Assert.That(member.MessageIds("general"), Is.EqualTo(first), $"{member.User} sees the same messages in the same order");
            }

            // Every message of each sender is there, in the order it was sent, and its ack names its id.
            for (int i = 0; i < 3; i++)
            {
                List<JsonElement> received = members[0].Received;
                List<string> texts = [.. received.Where(m => ClusterMember.Type(m) == "message" && m.GetProperty("from_id").GetString() == "u" + i)
                    .Select(m => m.GetProperty("text").GetString()!)];
                Assert.That(texts, Is.EqualTo(Enumerable.Range(0, PerMember).Select(n => $"m{i}-{n}")));
                await members[i].WaitUntilAsync(r => r.Count(m => ClusterMember.Type(m) == "ack") >= PerMember, ct);
                List<long> acked = [.. members[i].Received.Where(m => ClusterMember.Type(m) == "ack").Select(m => m.GetProperty("id").GetInt64())];
                List<long> own = [.. members[i].Received.Where(m => ClusterMember.Type(m) == "message" && m.GetProperty("from_id").GetString() == "u" + i)
                    .Select(m => m.GetProperty("id").GetInt64())];
                Assert.That(acked, Is.EqualTo(own), "each ack carries the id its message was delivered with");
            }
        }
        finally
        {
            foreach (ClusterMember member in members) await member.DisposeAsync();
        }
    }

    [Test]
    public async Task DmPresenceTyping_UsersOnDifferentNodes_ReachEachOther(CancellationToken ct)
    {
        await using WsChatCluster cluster = await WsChatCluster.StartAsync(2, await Database.CreateSchemaAsync(), ct);
        await using ClusterMember alice = await ClusterMember.ConnectAsync(cluster.Nodes[0], "alice", ct);
        await using ClusterMember bob = await ClusterMember.ConnectAsync(cluster.Nodes[1], "bob", ct);

        await alice.SendAsync(new { type = "join", room = "lobby" }, ct);
        await alice.WaitForAsync(m => ClusterMember.Type(m) == "joined", ct, "joined");
        await bob.SendAsync(new { type = "join", room = "lobby" }, ct);
        await bob.WaitForAsync(m => ClusterMember.Type(m) == "joined", ct, "joined");
        JsonElement bobJoined = await bob.WaitForAsync(m => ClusterMember.Type(m) == "joined", ct, "joined");
        Assert.That(UserIds(bobJoined), Is.EquivalentTo(new[] { "alice", "bob" }), "joined lists the users of every node");
        await alice.WaitForAsync(m => ClusterMember.Type(m) == "presence" && m.GetProperty("user_id").GetString() == "bob"
            && m.GetProperty("status").GetString() == "online", ct, "bob online");
        await alice.SendAsync(new { type = "list_users", room = "lobby", @ref = "l1" }, ct);
        JsonElement users = await alice.WaitForAsync(m => ClusterMember.Type(m) == "users", ct, "users");
        Assert.That(UserIds(users), Is.EquivalentTo(new[] { "alice", "bob" }));

        // A second connection of bob on alice's node: bob was online already, no second presence there.
        await using (ClusterMember bob2 = await ClusterMember.ConnectAsync(cluster.Nodes[0], "bob", ct))
        {
            await bob2.SendAsync(new { type = "join", room = "lobby" }, ct);
            await bob2.WaitForAsync(m => ClusterMember.Type(m) == "joined", ct, "joined");
            await bob2.SendAsync(new { type = "leave", room = "lobby", @ref = "bye" }, ct);
            await bob2.WaitForAsync(m => ClusterMember.Type(m) == "left", ct, "left");
        }

        await alice.SendAsync(new { type = "list_users", room = "lobby", @ref = "l2" }, ct);
        await alice.WaitForAsync(m => ClusterMember.Type(m) == "users" && m.GetProperty("ref").GetString() == "l2", ct, "users");
        Assert.That(alice.Received.Count(m => ClusterMember.Type(m) == "presence" && m.GetProperty("user_id").GetString() == "bob"), Is.EqualTo(1),
            "bob stayed online on the other node: one presence online, no offline");

        await bob.SendAsync(new { type = "typing", room = "lobby", status = true }, ct);
        await alice.WaitForAsync(m => ClusterMember.Type(m) == "typing" && m.GetProperty("user_id").GetString() == "bob", ct, "bob typing");

        await alice.SendAsync(new { type = "dm", to = "bob", text = "psst", @ref = "d1" }, ct);
        JsonElement dm = await bob.WaitForAsync(m => ClusterMember.Type(m) == "dm", ct, "the dm");
        Assert.That((dm.GetProperty("from_id").GetString(), dm.GetProperty("to").GetString(), dm.GetProperty("text").GetString()), Is.EqualTo(("alice", "bob", "psst")));
        JsonElement ack = await alice.WaitForAsync(m => ClusterMember.Type(m) == "ack", ct, "the dm's ack");
        Assert.That(ack.GetProperty("id").GetInt64(), Is.EqualTo(dm.GetProperty("id").GetInt64()));
        await alice.WaitForAsync(m => ClusterMember.Type(m) == "dm", ct, "the dm echoed to its sender");

        await bob.SendAsync(new { type = "dm", to = "alice", text = "hi", @ref = "d2" }, ct);
        JsonElement reply = await alice.WaitForAsync(m => ClusterMember.Type(m) == "dm" && m.GetProperty("from_id").GetString() == "bob", ct, "bob's reply");
        Assert.That(reply.GetProperty("id").GetInt64(), Is.GreaterThan(dm.GetProperty("id").GetInt64()), "one id sequence per pair across nodes");

        await bob.SendAsync(new { type = "leave", room = "lobby" }, ct);
        await alice.WaitForAsync(m => ClusterMember.Type(m) == "presence" && m.GetProperty("user_id").GetString() == "bob"
            && m.GetProperty("status").GetString() == "offline", ct, "bob offline");
        Assert.That(bob.Received.Where(m => ClusterMember.Type(m) == "typing"), Is.Empty, "typing is not echoed to the typist");
        await alice.SendAsync(new { type = "list_users", room = "lobby", @ref = "l3" }, ct);
        JsonElement after = await alice.WaitForAsync(m => ClusterMember.Type(m) == "users" && m.GetProperty("ref").GetString() == "l3", ct, "users");
        Assert.That(UserIds(after), Is.EqualTo(new[] { "alice" }));
    }

    [Test]
    public async Task Dm_OnePairWritingFromThreeNodes_EveryConnectionSeesThePairsDmsOnceInIdOrder(CancellationToken ct)
    {
        await using WsChatCluster cluster = await WsChatCluster.StartAsync(3, await Database.CreateSchemaAsync(), ct);
        // alice on nodes 0 and 1, bob on nodes 2 and 0: every node delivers the pair's DMs, committed on three nodes.
        var connections = new List<ClusterMember>();
        try
        {
            connections.Add(await ClusterMember.ConnectAsync(cluster.Nodes[0], "alice", ct));
            connections.Add(await ClusterMember.ConnectAsync(cluster.Nodes[1], "alice", ct));
            connections.Add(await ClusterMember.ConnectAsync(cluster.Nodes[2], "bob", ct));
            connections.Add(await ClusterMember.ConnectAsync(cluster.Nodes[0], "bob", ct));
            ClusterMember[] senders = [connections[0], connections[1], connections[2]];

            const int PerSender = 12;       // 24 of alice's within her burst (40), shared by her two nodes
            await Task.WhenAll(senders.Select(async (sender, i) =>
            {
                string to = sender.User == "alice" ? "bob" : "alice";
                for (int n = 0; n < PerSender; n++) await sender.SendAsync(new { type = "dm", to, text = $"d{i}-{n}", @ref = $"d{i}-{n}" }, ct);
            }));

            const int Total = 3 * PerSender;
            foreach (ClusterMember connection in connections)
            {
                await connection.WaitUntilAsync(r => r.Count(m => ClusterMember.Type(m) == "dm") >= Total, ct);
            }

            var acked = new List<long>();
            foreach (ClusterMember sender in senders)
            {
                await sender.WaitUntilAsync(r => r.Count(m => ClusterMember.Type(m) == "ack") >= PerSender, ct);
                List<JsonElement> acks = [.. sender.Received.Where(m => ClusterMember.Type(m) == "ack")];
                Assert.That(acks, Has.Count.EqualTo(PerSender), $"{sender.User}: {string.Join("\n", sender.Received)}");
                acked.AddRange(acks.Select(a => a.GetProperty("id").GetInt64()));
            }

            acked.Sort();
            Assert.That(acked, Is.Unique);
            foreach (ClusterMember connection in connections)
            {
                List<long> ids = [.. connection.Received.Where(m => ClusterMember.Type(m) == "dm").Select(m => m.GetProperty("id").GetInt64())];
                Assert.That(ids, Is.EqualTo(acked), $"{connection.User}: every DM of the pair once, in id order\n{cluster.Output}");
            }

            // Each sender's DMs keep the order they were sent in, and each ack follows its DM on the sender's connection.
            foreach ((ClusterMember sender, int i) in senders.Select((s, i) => (s, i)))
            {
                List<JsonElement> received = sender.Received;
                List<string> own = [.. received.Where(m => ClusterMember.Type(m) == "dm" && m.GetProperty("text").GetString()!.StartsWith($"d{i}-", StringComparison.Ordinal))
                    .Select(m => m.GetProperty("text").GetString()!)];
                Assert.That(own, Is.EqualTo(Enumerable.Range(0, PerSender).Select(n => $"d{i}-{n}")));
                foreach (JsonElement ack in received.Where(m => ClusterMember.Type(m) == "ack"))
                {
                    long id = ack.GetProperty("id").GetInt64();
                    int dmAt = received.FindIndex(m => ClusterMember.Type(m) == "dm" && m.GetProperty("id").GetInt64() == id);
                    Assert.That(dmAt, Is.GreaterThanOrEqualTo(0).And.LessThan(received.IndexOf(ack)), $"the DM {id} before its ack");
                }
            }
        }
        finally
        {
            foreach (ClusterMember connection in connections) await connection.DisposeAsync();
        }
    }

    private static List<string> UserIds(JsonElement message) =>
        [.. message.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user_id").GetString()!)];
}
