using System.Net;
using System.Text.Json;
using WsChat.Core.Diagnostics;
using WsChat.Host.Endpoints;
using WsChat.Host.Metrics;
using WsChat.Net.Transport;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host.Metrics;

/// <summary>/metrics, /stats and /readyz served by a real server over real sockets, as the host maps them.</summary>
[CancelAfter(30_000)]
public class OperationsEndpointsTests
{
    [Test]
    public async Task Metrics_AfterAScriptedSession_ParsesAndEveryTransportMetricMoved(CancellationToken ct)
    {
        await using Served s = Served.Start();
        PrometheusExposition before = await ScrapeAsync(s.EndPoint, ct);

        using (RawClient a = await RawClient.UpgradeAsync(s.EndPoint, "/echo", ct))
        using (RawClient b = await RawClient.UpgradeAsync(s.EndPoint, "/echo", ct))
        {
            await a.SendTextAsync("{\"type\":\"ping\"}", ct);
            Assert.That((await a.ReceiveFrameAsync(ct))?.Text, Is.EqualTo("{\"type\":\"ping\"}"));
            PrometheusExposition during = await ScrapeAsync(s.EndPoint, ct);
            Assert.That(during.Value(MetricNames.Connections), Is.EqualTo(2));
            await a.SendAsync(RawClient.CloseFrame(1000), ct);
            await a.ReceiveUntilCloseAsync(ct);
            await b.SendAsync(RawClient.CloseFrame(4001, "app"), ct);
            await b.ReceiveUntilCloseAsync(ct);
        }

        await HttpProbe.GetAsync(s.EndPoint, "/nope", ct);
        using (RawClient c = await RawClient.ConnectAsync(s.EndPoint, ct))
        {
            await c.SendAsync("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", ct);   // no Upgrade → 426
            await c.ReadToEndAsync(ct);
        }

        await WaitUntil(() => s.Server.Metrics.ConnectionsClosed == 2, ct);
        (int status, string head, string body) = await HttpProbe.GetAsync(s.EndPoint, "/metrics", ct);
        PrometheusExposition after = PrometheusText.Parse(body);
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(200));
            Assert.That(head, Does.Contain("Content-Type: text/plain; version=0.0.4"));
            Assert.That(after.Value(MetricNames.ConnectionsOpened) - before.Value(MetricNames.ConnectionsOpened), Is.EqualTo(2));
            Assert.That(after.Value(MetricNames.Connections), Is.Zero);
            Assert.That(after.Value(MetricNames.ConnectionsClosed, "code=1000"), Is.EqualTo(1));
            Assert.That(after.Value(MetricNames.ConnectionsClosed, "code=other"), Is.EqualTo(1), "4001 is an application code");
            Assert.That(after.Value(MetricNames.HandshakeRejections, "status=404"), Is.EqualTo(1));
            Assert.That(after.Value(MetricNames.HandshakeRejections, "status=426"), Is.EqualTo(1));
            Assert.That(after.Value(MetricNames.BytesReceived), Is.GreaterThan(before.Value(MetricNames.BytesReceived) + 400));
            Assert.That(after.Value(MetricNames.BytesSent), Is.GreaterThan(before.Value(MetricNames.BytesSent)));
            Assert.That(after.Value(MetricNames.Ready), Is.EqualTo(1));
            Assert.That(after.Families.Keys, Has.Some.StartsWith("process_"));
        });
    }

    [Test]
    public async Task Readyz_DuringDrain_Turns503AndTheGaugeFollows(CancellationToken ct)
    {
        await using Served s = Served.Start(drain: TimeSpan.FromSeconds(20));
        Assert.That((await HttpProbe.GetAsync(s.EndPoint, "/readyz", ct)).Status, Is.EqualTo(200));

        // A client that never answers the server's close keeps the drain going while we probe.
        using RawClient stubborn = await RawClient.UpgradeAsync(s.EndPoint, "/echo", ct);
        // One echo first: the 101 reaches us a moment before the server marks the connection open, and a drain in
        // that moment aborts instead of sending 1001 (the transport's race, not what this test is about).
        await stubborn.SendTextAsync("x", ct);
        Assert.That((await stubborn.ReceiveFrameAsync(ct))?.Text, Is.EqualTo("x"));
        Task drain = s.Server.DrainAsync(ct);
        RawFrame? close = await stubborn.ReceiveFrameAsync(ct);
        Assert.That(close?.CloseCode, Is.EqualTo(1001));

        (int status, _, string body) = await HttpProbe.GetAsync(s.EndPoint, "/readyz", ct);
        PrometheusExposition metrics = await ScrapeAsync(s.EndPoint, ct);
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(503));
            Assert.That(body, Does.StartWith("not ready"));
            Assert.That(metrics.Value(MetricNames.Ready), Is.Zero);
            Assert.That(drain.IsCompleted, Is.False, "still draining while probed");
        });

        await stubborn.SendAsync(RawClient.CloseFrame(1001), ct);
        await drain;
    }

    [Test]
    public async Task Readyz_StorageCheckFailing_503NamesItThen200WhenItRecovers(CancellationToken ct)
    {
        var storage = new SwitchableCheck("storage");
        await using Served s = Served.Start(checks: [storage]);
        storage.Ready = false;
        (int status, _, string body) = await HttpProbe.GetAsync(s.EndPoint, "/readyz", ct);
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(503));
            Assert.That(body, Is.EqualTo("not ready: storage\n"));
        });

        storage.Ready = true;
        Assert.That((await HttpProbe.GetAsync(s.EndPoint, "/readyz", ct)).Status, Is.EqualTo(200));
    }

    [Test]
    public async Task Stats_WithChatRooms_ParsesAsJsonWithTheDocumentedFields(CancellationToken ct)
    {
        var chat = new ChatMetrics(2);
        chat.Shard(1).RoomsChanged(2);
        var stats = new FixedStats([new RoomStat("general", 1, 5, 40), new RoomStat("random", 1, 2, 400)]);
        await using Served s = Served.Start(chat: chat, stats: stats);
        using RawClient open = await RawClient.UpgradeAsync(s.EndPoint, "/echo", ct);

        (int status, string head, string body) = await HttpProbe.GetAsync(s.EndPoint, "/stats?top=1", ct);
        using JsonDocument doc = JsonDocument.Parse(body);
        JsonElement root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(200));
            Assert.That(head, Does.Contain("Content-Type: application/json"));
            foreach (string field in new[] { "timestamp", "uptime_seconds", "ready", "connections", "bytes", "shards", "rooms", "top_rooms_by_members", "top_rooms_by_message_rate", "storage" })
                Assert.That(root.TryGetProperty(field, out _), Is.True, field);
            Assert.That(root.GetProperty("connections").GetProperty("open").GetInt64(), Is.EqualTo(1));
            Assert.That(root.GetProperty("bytes").GetProperty("received").GetInt64(), Is.GreaterThan(0));
            Assert.That(root.GetProperty("shards").GetArrayLength(), Is.EqualTo(2));
            Assert.That(root.GetProperty("shards")[1].GetProperty("rooms").GetInt64(), Is.EqualTo(2));
            Assert.That(root.GetProperty("top_rooms_by_members").GetArrayLength(), Is.EqualTo(1));
            Assert.That(root.GetProperty("top_rooms_by_members")[0].GetProperty("room").GetString(), Is.EqualTo("general"));
            Assert.That(root.GetProperty("top_rooms_by_message_rate")[0].GetProperty("room").GetString(), Is.EqualTo("random"));
            Assert.That(root.GetProperty("connections").GetProperty("age_seconds").GetProperty("count").GetInt64(), Is.EqualTo(1));
        });
    }

    private static async Task<PrometheusExposition> ScrapeAsync(IPEndPoint endPoint, CancellationToken ct)
    {
        (int status, _, string body) = await HttpProbe.GetAsync(endPoint, "/metrics", ct);
        Assert.That(status, Is.EqualTo(200));
        return PrometheusText.Parse(body);
    }

    private static async Task WaitUntil(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(10, ct);
    }

    private sealed class SwitchableCheck(string name) : IReadinessCheck
    {
        public string Name => name;

        public bool IsReady { get; set; } = true;

        public bool Ready { set => IsReady = value; }
    }

    private sealed class FixedStats(RoomStat[] rooms) : IChatStatsSource
    {
        public ValueTask<ChatStatsSnapshot> CaptureStatsAsync(CancellationToken cancellationToken)
        {
            var snapshot = new ChatStatsSnapshot();
            snapshot.AddRooms(rooms);
            snapshot.AddConnectionAge(TimeSpan.FromSeconds(3));
            return ValueTask.FromResult(snapshot);
        }
    }

    /// <summary>A server mapped like the host: /echo, /healthz, and the operations endpoints.</summary>
    private sealed class Served : IAsyncDisposable
    {
        private readonly OperationsEndpoints _ops = new();

        private Served(WebSocketServer server) => Server = server;

        public WebSocketServer Server { get; }

        public IPEndPoint EndPoint => Server.LocalEndPoint;

        public static Served Start(TimeSpan? drain = null, IReadOnlyList<IReadinessCheck>? checks = null, ChatMetrics? chat = null, IChatStatsSource? stats = null)
        {
            var server = new WebSocketServer(new WebSocketServerOptions
            {
                Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
                DrainTimeout = drain ?? TimeSpan.FromSeconds(10),
            });
            var served = new Served(server);
            server.MapWebSocket("/echo", new EchoHandler());
            server.MapHttp("/healthz", new HealthHandler());
            served._ops.Map(server, chat, stats, checks);
            server.Start();
            return served;
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            _ops.Dispose();
        }
    }
}
