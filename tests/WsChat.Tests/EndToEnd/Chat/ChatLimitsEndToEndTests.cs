using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using WsChat.Core;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Chat;

/// <summary>PROTOCOL.md §5 limits and every close code over real loopback sockets.</summary>
[CancelAfter(60_000)]
public class ChatLimitsEndToEndTests
{
    private ChatTestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await ChatTestServer.StartAsync(ChatTestServer.Options(o => new ChatServerOptions
    {
        Endpoint = o.Endpoint, JwtSecret = o.JwtSecret, ShardCount = o.ShardCount,
        MaxRoomsPerConnection = 3, MaxConnectionsPerUser = 2, MaxMessageBytes = 8 * 1024,
    }));

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task UserRateLimit_41stMessageRateLimitedWithRetryAfter(CancellationToken ct)
    {
        await using ChatTestClient alice = await _server.ConnectAsync("rl-user", null, ct);
        await alice.SendAsync("""{"type":"join","room":"rl"}""", ct);
        await alice.ExpectAsync("joined", ct);
        for (int i = 0; i < 45; i++) await alice.SendAsync($$"""{"type":"message","room":"rl","text":"m","ref":"{{i}}"}""", ct);
        List<JsonElement> errors = [];
        int delivered = 0;
        while (delivered + errors.Count < 45)
        {
            JsonElement m = await alice.NextAsync(ct);
            if (m.GetProperty("type").GetString() == "message") delivered++;
            else if (m.GetProperty("type").GetString() == "error") errors.Add(m);
        }

        // Time passes while 45 messages cross the socket, so a token or two may have refilled.
        Assert.That(delivered, Is.InRange(40, 44));
        Assert.That(errors, Is.Not.Empty);
        Assert.That(errors.All(e => e.GetProperty("code").GetString() == "rate_limited"), Is.True);
        Assert.That(errors[0].GetProperty("retry_after_ms").GetInt32(), Is.InRange(1, 50));
        Assert.That(errors[0].TryGetProperty("ref", out _), Is.True);
    }

    [Test]
    public async Task ConnectionRateLimit_PingFloodRateLimited(CancellationToken ct)
    {
        await using ChatTestClient alice = await _server.ConnectAsync("rl-conn", null, ct);
        for (int i = 0; i < 215; i++) await alice.SendAsync("""{"type":"ping"}""", ct);
        int pongs = 0, limited = 0;
        while (pongs + limited < 215)
        {
            JsonElement m = await alice.NextAsync(ct);
            if (m.GetProperty("type").GetString() == "pong") pongs++;
            else if (m.GetProperty("code").GetString() == "rate_limited") limited++;
        }

        Assert.That(pongs, Is.InRange(200, 214));
        Assert.That(limited, Is.GreaterThan(0));
    }

    [Test]
    public async Task KeepsFloodingAfterRateLimited_Close1008(CancellationToken ct)
    {
        await using ChatTestClient alice = await _server.ConnectAsync("flooder", null, ct);
        await alice.SendAsync("""{"type":"join","room":"flood"}""", ct);
        await alice.ExpectAsync("joined", ct);
        try
        {
            for (int i = 0; i < 200 && !alice.Closed.IsCompleted; i++) await alice.SendAsync("""{"type":"typing","room":"flood","status":true}""", ct);
        }
        catch (WebSocketException)
        {
            // the server closed while we were still sending
        }

        await alice.Closed.WaitAsync(ct);
        Assert.That(alice.CloseStatus, Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        Assert.That(alice.CloseDescription, Is.EqualTo("rate limit exceeded"));
    }

    [Test]
    public async Task RoomsPerConnection_AtLimitJoined_PastItTooManyRooms(CancellationToken ct)
    {
        await using ChatTestClient alice = await _server.ConnectAsync("rooms", null, ct);
        for (int i = 0; i < 3; i++)
        {
            await alice.SendAsync($$"""{"type":"join","room":"lim{{i}}"}""", ct);
            await alice.ExpectAsync("joined", ct);
        }

        await alice.SendAsync("""{"type":"join","room":"lim3","ref":"4th"}""", ct);
        JsonElement error = await alice.ExpectAsync("error", ct);
        Assert.That((error.GetProperty("code").GetString(), error.GetProperty("ref").GetString()), Is.EqualTo(("too_many_rooms", "4th")));
    }

    [Test]
    public async Task ConnectionsPerUser_PastTheLimit_NewOneClosed1008(CancellationToken ct)
    {
        await using ChatTestClient first = await _server.ConnectAsync("multi", null, ct);
        await using ChatTestClient second = await _server.ConnectAsync("multi", null, ct);
        await using ChatTestClient third = await ChatTestClient.ConnectAsync(_server.Uri("?token=" + TestTokens.Mint("multi")), ct);
        await third.Closed.WaitAsync(ct);
        Assert.That(third.CloseStatus, Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        Assert.That(third.CloseDescription, Is.EqualTo("too many connections"));
        Assert.That(await first.DrainAsync("ok", ct), Is.Empty);
        Assert.That(first.CloseStatus, Is.Null);
    }

    [Test]
    public async Task BinaryMessage_Close1003(CancellationToken ct)
    {
        // A plain ClientWebSocket: the test client only sends text.
        using var raw = new ClientWebSocket();
        await raw.ConnectAsync(_server.Uri("?token=" + TestTokens.Mint("binary2")), ct);
        await raw.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, ct);
        WebSocketCloseStatus? status = await ReadUntilCloseAsync(raw, ct);
        Assert.That(status, Is.EqualTo(WebSocketCloseStatus.InvalidMessageType));
    }

    [Test]
    public async Task MessageOverMaxSize_Close1009(CancellationToken ct)
    {
        await using ChatTestClient client = await _server.ConnectAsync("big", null, ct);
        string text = new('x', 9000);
        await client.SendAsync($$"""{"type":"message","room":"r","text":"{{text}}"}""", ct);
        await client.Closed.WaitAsync(ct);
        Assert.That(client.CloseStatus, Is.EqualTo(WebSocketCloseStatus.MessageTooBig));
    }

    [Test]
    public async Task InvalidUtf8_Close1007(CancellationToken ct)
    {
        using RawClient raw = await RawClient.UpgradeAsync(_server.EndPoint, "/ws?token=" + TestTokens.Mint("utf8"), ct);
        await raw.SendFrameAsync(0x1, [(byte)'{', 0xC3, 0x28, (byte)'}'], ct);
        (RawFrame close, _) = await raw.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1007));
    }

    [Test]
    public async Task UnmaskedFrame_Close1002(CancellationToken ct)
    {
        using RawClient raw = await RawClient.UpgradeAsync(_server.EndPoint, "/ws?token=" + TestTokens.Mint("unmasked"), ct);
        await raw.SendAsync(RawClient.Frame(0x1, Encoding.UTF8.GetBytes("""{"type":"ping"}"""), masked: false), ct);
        (RawFrame close, _) = await raw.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1002));
    }

    private static async Task<WebSocketCloseStatus?> ReadUntilCloseAsync(ClientWebSocket socket, CancellationToken ct)
    {
        byte[] buffer = new byte[4096];
        while (true)
        {
            WebSocketReceiveResult result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close) return result.CloseStatus;
        }
    }
}
