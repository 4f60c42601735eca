using System.Net.WebSockets;
using System.Text.Json;
using WsChat.Core;
using WsChat.Net.Transport;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Chat;

/// <summary>Slow consumers, heartbeats and graceful shutdown over real loopback sockets (a server per test).</summary>
[CancelAfter(60_000)]
public class ChatResilienceEndToEndTests
{
    [Test]
    public async Task SlowConsumer_ClosedWith1008_RoomGoesOn(CancellationToken ct)
    {
        await using ChatTestServer server = await ChatTestServer.StartAsync(ChatTestServer.Options(o => new ChatServerOptions
        {
            Endpoint = o.Endpoint, JwtSecret = o.JwtSecret, ShardCount = o.ShardCount,
            UserRatePerSecond = 1e6, UserRateBurst = 1_000_000, ConnectionRatePerSecond = 1e6, ConnectionRateBurst = 1_000_000,
        }));
        await using ChatTestClient sender = await server.ConnectAsync("sc-sender", null, ct);
        await using ChatTestClient reader = await server.ConnectAsync("sc-reader", null, ct);

        // The stalled member: a raw socket with a small receive buffer that reads nothing after joining.
        using RawClient stalled = await RawClient.UpgradeAsync(server.EndPoint, "/ws?token=" + TestTokens.Mint("sc-stalled"), ct);
        stalled.Socket.ReceiveBufferSize = 4096;
        RawFrame? welcome = await stalled.ReceiveFrameAsync(ct);
        long stalledId = long.Parse(JsonDocument.Parse(welcome!.Value.Text).RootElement.GetProperty("session").GetString()![1..]);
        await stalled.SendTextAsync("""{"type":"join","room":"slow"}""", ct);
        await stalled.ReceiveFrameAsync(ct);       // joined
        foreach (ChatTestClient c in new[] { sender, reader })
        {
            await c.SendAsync("""{"type":"join","room":"slow"}""", ct);
            await c.ExpectAsync("joined", ct);
        }

        string text = new('x', 4000);
        int sent = 0;
        while (server.Server.Server.TryGetConnection(stalledId, out WebSocketConnection? connection) && connection.State == WebSocketConnectionState.Open)
        {
            Assert.That(sent, Is.LessThan(20_000), "the stalled reader was never closed");
            // Batches of 80 KB, well under the 1 MiB bound of the members that do read.
            for (int i = 0; i < 20; i++, sent++) await sender.SendAsync($$"""{"type":"message","room":"slow","text":"{{text}}"}""", ct);
            await reader.CollectAsync("message", 20, ct);       // the room goes on meanwhile
        }

        // The room dropped it (its close handshake cannot finish while it reads nothing: the close timeout ends it).
        JsonElement offline = await reader.SkipToAsync("presence", ct);
        while (offline.GetProperty("user_id").GetString() != "sc-stalled") offline = await reader.SkipToAsync("presence", ct);
        Assert.That(offline.GetProperty("status").GetString(), Is.EqualTo("offline"));
        await sender.SendAsync("""{"type":"message","room":"slow","text":"still here"}""", ct);
        JsonElement last = await reader.SkipToAsync("message", ct);
        while (last.GetProperty("text").GetString() != "still here") last = await reader.SkipToAsync("message", ct);
        Assert.That(reader.CloseStatus, Is.Null);
    }

    [Test]
    public async Task SilentClient_ClosedByHeartbeat(CancellationToken ct)
    {
        await using ChatTestServer server = await ChatTestServer.StartAsync(ChatTestServer.Options(o => new ChatServerOptions
        {
            Endpoint = o.Endpoint, JwtSecret = o.JwtSecret, ShardCount = o.ShardCount, HeartbeatInterval = TimeSpan.FromSeconds(1),
        }));
        // A raw client answers no ping: silent for two intervals, it is closed (PROTOCOL.md §5: 1001 or 1011).
        using RawClient silent = await RawClient.UpgradeAsync(server.EndPoint, "/ws?token=" + TestTokens.Mint("hb-silent"), ct);
        RawFrame? welcome = await silent.ReceiveFrameAsync(ct);
        Assert.That(JsonDocument.Parse(welcome!.Value.Text).RootElement.GetProperty("heartbeat_ms").GetInt32(), Is.EqualTo(1000));
        // A client that talks stays (its messages count as activity, whatever the timing of pings).
        await using ChatTestClient alive = await server.ConnectAsync("hb-alive", null, ct);
        using var stopTalking = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task talking = Task.Run(async () =>
        {
            while (!stopTalking.IsCancellationRequested)
            {
                await alive.SendAsync("""{"type":"list_users","room":"hb"}""", ct);
                await Task.Delay(100, CancellationToken.None);
            }
        }, CancellationToken.None);
        (RawFrame close, _) = await silent.ReceiveUntilCloseAsync(ct);
        await stopTalking.CancelAsync();
        await talking;
        Assert.That(close.CloseCode, Is.AnyOf(1001, 1011));
        await alive.DrainAsync("alive", ct);
        Assert.That(alive.CloseStatus, Is.Null, "the talking client was not closed");
    }

    [Test]
    public async Task GracefulShutdown_EveryClientGets1001(CancellationToken ct)
    {
        ChatTestServer server = await ChatTestServer.StartAsync();
        var clients = new List<ChatTestClient>();
        for (int i = 0; i < 5; i++) clients.Add(await server.ConnectAsync("gs" + i, null, ct));
        await clients[0].SendAsync("""{"type":"join","room":"gs"}""", ct);
        await clients[0].ExpectAsync("joined", ct);
        await server.Server.StopAsync(ct);
        foreach (ChatTestClient client in clients)
        {
            await client.Closed.WaitAsync(ct);
            Assert.That(client.CloseStatus, Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable));
            Assert.That(client.CloseDescription, Is.EqualTo("server shutting down"));
            await client.DisposeAsync();
        }

        await server.DisposeAsync();
    }
}
