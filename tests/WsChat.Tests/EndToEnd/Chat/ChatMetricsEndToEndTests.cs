using System.Net;
using System.Text.Json;
using WsChat.Host.Metrics;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Chat;

/// <summary>
/// Issue 6: the real wschat process (SQLite storage, its own listener) after a scripted chat session: <c>/metrics</c>
/// parses as Prometheus exposition format and every chat, storage and transport figure the session touched moved
/// by what the session did.
/// </summary>
[CancelAfter(120_000)]
public class ChatMetricsEndToEndTests
{
    [Test]
    public async Task Metrics_AfterAScriptedChatSession_EveryFigureMovedAsTheSessionDid(CancellationToken ct)
    {
        // A user bucket of 3 that practically never refills: the 4th counted command is refused, whatever the machine's speed.
        await using WsChatProcess server = await WsChatProcess.StartAsync(ct,
            "--WsChat:JwtSecret=" + TestTokens.Secret, "--WsChat:UserRatePerSecond=0.001", "--WsChat:UserRateBurst=3");
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);

        await using ChatTestClient alice = await ConnectAsync(server, "alice", ct);
        await using ChatTestClient bob = await ConnectAsync(server, "bob", ct);
        foreach (ChatTestClient client in new[] { alice, bob })
        {
            await client.SendAsync(new { type = "join", room = "general", @ref = "j" }, ct);
            await client.SkipToAsync("joined", ct);
        }

        await alice.SendAsync(new { type = "message", room = "general", text = "one", @ref = "m1" }, ct);
        await alice.SendAsync(new { type = "message", room = "general", text = "two", @ref = "m2" }, ct);
        await alice.SendAsync(new { type = "dm", to = "bob", text = "psst", @ref = "d1" }, ct);
        await alice.SendAsync(new { type = "message", room = "general", text = "three", @ref = "m3" }, ct);   // 4th: rate_limited
        Assert.That((await alice.SkipToAsync("error", ct)).GetProperty("code").GetString(), Is.EqualTo("rate_limited"));
        Assert.That((await bob.SkipToAsync("dm", ct)).GetProperty("text").GetString(), Is.EqualTo("psst"));
        await bob.SendAsync(new { type = "leave", room = "nowhere", @ref = "l" }, ct);
        Assert.That((await bob.SkipToAsync("error", ct)).GetProperty("code").GetString(), Is.EqualTo("not_member"));
        (int status, _, _) = await HttpProbe.GetAsync(endPoint, "/ws", ct);    // not an upgrade at all
        Assert.That(status, Is.EqualTo(426));
        Assert.That(await RawClient.UpgradeHeadAsync(endPoint, "/ws?token=not.a.jwt", null, ct), Does.StartWith("HTTP/1.1 401 "));

        PrometheusExposition doc = await ScrapeAsync(endPoint, ct);
        Assert.Multiple(() =>
        {
            Assert.That(doc.Value(MetricNames.Connections), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.AuthenticatedConnections), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.Users), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.Rooms), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.RoomMembers), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.MessagesReceived, "type=join"), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.MessagesReceived, "type=message"), Is.EqualTo(3));
            Assert.That(doc.Value(MetricNames.MessagesReceived, "type=dm"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.MessagesReceived, "type=leave"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.RoomMessages), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.DirectMessages), Is.EqualTo(1));
            // Two room messages to two members, the DM to alice's and bob's one connection each.
            Assert.That(doc.Value(MetricNames.Deliveries), Is.EqualTo(2 * 2 + 2));
            Assert.That(doc.Value(MetricNames.MessageLatency + "_count"), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.Errors, "code=rate_limited"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.Errors, "code=not_member"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.RateLimited, "bucket=user"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.AuthFailures, "reason=malformed"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.HandshakeRejections, "status=401"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.HandshakeRejections, "status=426"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.StorageMessages), Is.EqualTo(3), "two room messages and the DM were committed");
            Assert.That(doc.Value(MetricNames.StorageBatchSize + "_sum"), Is.EqualTo(3));
            Assert.That(doc.Value(MetricNames.StorageCommitLatency + "_count"), Is.GreaterThanOrEqualTo(1));
            Assert.That(doc.Value(MetricNames.StorageFailedBatches), Is.Zero);
            Assert.That(doc.Value(MetricNames.BytesReceived), Is.GreaterThan(0));
            Assert.That(doc.Value(MetricNames.BytesSent), Is.GreaterThan(0));
            Assert.That(doc.Value(MetricNames.Ready), Is.EqualTo(1));
            Assert.That(doc.TypeOf(MetricNames.MessageLatency), Is.EqualTo("histogram"));
        });

        await bob.CloseAsync(ct);
        // The transport counts the close at once; the shard that owns general removes bob when it runs his
        // disconnect, a moment later: wait for all three (the test's timeout fails it if they never come).
        PrometheusExposition after = await ScrapeUntilAsync(endPoint,
            d => d.Value(MetricNames.Connections) == 1 && d.Value(MetricNames.RoomMembers) == 1 && d.Value(MetricNames.Users) == 1, ct);
        Assert.That(after.Value(MetricNames.ConnectionsClosed, "code=1000"), Is.EqualTo(1), "bob closed normally");
    }

    private static async Task<ChatTestClient> ConnectAsync(WsChatProcess server, string user, CancellationToken ct)
    {
        string token = TestTokens.Mint(user, user, DateTimeOffset.UtcNow.AddHours(1));
        ChatTestClient client = await ChatTestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws?token={token}"), ct);
        JsonElement welcome = await client.ExpectAsync("welcome", ct);
        Assert.That(welcome.GetProperty("user_id").GetString(), Is.EqualTo(user));
        return client;
    }

    private static async Task<PrometheusExposition> ScrapeAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        (int status, string head, string body) = await HttpProbe.GetAsync(endPoint, "/metrics", ct);
        Assert.That(status, Is.EqualTo(200), head);
        return PrometheusText.Parse(body);
    }

    private static async Task<PrometheusExposition> ScrapeUntilAsync(IPEndPoint endPoint, Func<PrometheusExposition, bool> condition, CancellationToken ct)
    {
        while (true)
        {
            PrometheusExposition doc = await ScrapeAsync(endPoint, ct);
            if (condition(doc)) return doc;
            await Task.Delay(50, ct);
        }
    }
}
