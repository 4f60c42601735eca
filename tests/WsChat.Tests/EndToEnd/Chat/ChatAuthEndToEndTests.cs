using System.Net.WebSockets;
using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Chat;

/// <summary>PROTOCOL.md §2 over real loopback sockets: tokens at the upgrade and by message, timeouts, expiry, refresh.</summary>
[CancelAfter(30_000)]
public class ChatAuthEndToEndTests
{
    private ChatTestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await ChatTestServer.StartAsync(ChatTestServer.Options(o => new()
    {
        Endpoint = o.Endpoint, JwtSecret = o.JwtSecret, ShardCount = o.ShardCount,
        AuthTimeout = TimeSpan.FromSeconds(1), ClockSkew = TimeSpan.Zero, TimerResolution = TimeSpan.FromMilliseconds(20),
    }));

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task TokenInQuery_WelcomeIsTheFirstMessage(CancellationToken ct)
    {
        await using ChatTestClient client = await ChatTestClient.ConnectAsync(_server.Uri("?token=" + TestTokens.Mint("u-q", "Quinn")), ct);
        JsonElement welcome = await client.NextAsync(ct);
        Assert.That(welcome.GetProperty("type").GetString(), Is.EqualTo("welcome"));
        Assert.That(welcome.GetProperty("user_id").GetString(), Is.EqualTo("u-q"));
        Assert.That(welcome.GetProperty("username").GetString(), Is.EqualTo("Quinn"));
        Assert.That(welcome.GetProperty("session").GetString(), Does.Match("^c[0-9]+$"));
        Assert.That(welcome.GetProperty("heartbeat_ms").GetInt32(), Is.EqualTo(30_000));
    }

    [Test]
    public async Task TokenInBearerHeader_Welcome(CancellationToken ct)
    {
        await using ChatTestClient client = await ChatTestClient.ConnectAsync(_server.Uri(), ct, bearer: TestTokens.Mint("u-h"));
        Assert.That((await client.ExpectAsync("welcome", ct)).GetProperty("user_id").GetString(), Is.EqualTo("u-h"));
    }

    [Test]
    public async Task SameTokenInQueryAndHeader_Accepted(CancellationToken ct)
    {
        string token = TestTokens.Mint("u-both");
        await using ChatTestClient client = await ChatTestClient.ConnectAsync(_server.Uri("?token=" + token), ct, bearer: token);
        await client.ExpectAsync("welcome", ct);
    }

    [TestCase("?token=not.a.jwt", null, "401")]
    [TestCase("", "Authorization: Bearer not.a.jwt\r\n", "401")]
    [TestCase("", "Authorization: Basic dXNlcjpwdw==\r\n", "401")]
    public async Task BadTokenAtUpgrade_RefusedWithoutUpgrade(string query, string? header, string status, CancellationToken ct)
    {
        string head = await UpgradeHeadAsync(query, header, ct);
        Assert.That(head, Does.StartWith($"HTTP/1.1 {status} "));
    }

    [Test]
    public async Task ExpiredTokenAtUpgrade_401(CancellationToken ct)
    {
        string expired = TestTokens.Mint("u1", expires: DateTimeOffset.UtcNow.AddMinutes(-5), now: DateTimeOffset.UtcNow.AddMinutes(-10));
        Assert.That(await UpgradeHeadAsync("?token=" + expired, null, ct), Does.StartWith("HTTP/1.1 401 "));
    }

    [Test]
    public async Task DifferentTokensInQueryAndHeader_400AndCountedAsConflict(CancellationToken ct)
    {
        long before = AuthFailures("conflict");
        string head = await UpgradeHeadAsync("?token=" + TestTokens.Mint("a"), $"Authorization: Bearer {TestTokens.Mint("b")}\r\n", ct);
        Assert.That(head, Does.StartWith("HTTP/1.1 400 "));
        Assert.That(AuthFailures("conflict"), Is.EqualTo(before + 1));
    }

    [Test]
    public async Task AuthorizationOfAnotherScheme_401AndCountedAsUnsupportedScheme(CancellationToken ct)
    {
        long before = AuthFailures("unsupported_scheme");
        Assert.That(await UpgradeHeadAsync("", "Authorization: Basic dXNlcjpwdw==\r\n", ct), Does.StartWith("HTTP/1.1 401 "));
        Assert.That(AuthFailures("unsupported_scheme"), Is.EqualTo(before + 1));
    }

    private long AuthFailures(string reason) =>
        _server.Server.Metrics.AuthFailures(Array.IndexOf(WsChat.Core.Diagnostics.ChatErrorLabels.AuthFailureReasons, reason));

    [Test]
    public async Task AnonymousUser_NotAllowedByDefault_StaysUnauthenticated(CancellationToken ct)
    {
        await using ChatTestClient client = await ChatTestClient.ConnectAsync(_server.Uri("?user=mallory"), ct);
        await client.SendAsync("""{"type":"ping","ref":"p"}""", ct);
        Assert.That((await client.ExpectAsync("error", ct)).GetProperty("code").GetString(), Is.EqualTo("unauthenticated"));
    }

    [Test]
    public async Task AuthMessage_MessagesBeforeAreUnauthenticated_ThenWelcome(CancellationToken ct)
    {
        await using ChatTestClient client = await ChatTestClient.ConnectAsync(_server.Uri(), ct);
        await client.SendAsync("""{"type":"join","room":"r","ref":"early"}""", ct);
        JsonElement error = await client.ExpectAsync("error", ct);
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("unauthenticated"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("early"));
        await client.SendAsync(new { type = "auth", token = TestTokens.Mint("u-m") }, ct);
        await client.ExpectAsync("welcome", ct);
        await client.SendAsync("""{"type":"join","room":"r"}""", ct);
        await client.ExpectAsync("joined", ct);
    }

    [Test]
    public async Task AuthMessage_BadToken_ErrorThenClose1008(CancellationToken ct)
    {
        await using ChatTestClient client = await ChatTestClient.ConnectAsync(_server.Uri(), ct);
        await client.SendAsync("""{"type":"auth","token":"forged","ref":"a"}""", ct);
        Assert.That((await client.ExpectAsync("error", ct)).GetProperty("code").GetString(), Is.EqualTo("unauthenticated"));
        await client.Closed.WaitAsync(ct);
        Assert.That(client.CloseStatus, Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
    }

    [Test]
    public async Task NoAuthWithinTheTimeout_Close1008(CancellationToken ct)
    {
        await using ChatTestClient client = await ChatTestClient.ConnectAsync(_server.Uri(), ct);
        await client.Closed.WaitAsync(ct);
        Assert.That(client.CloseStatus, Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        Assert.That(client.CloseDescription, Is.EqualTo("authentication timeout"));
    }

    [Test]
    public async Task TokenExpiry_Close1008_RefreshWithSameSubExtends(CancellationToken ct)
    {
        await using ChatTestClient refreshed = await ChatTestClient.ConnectAsync(_server.Uri("?token=" + TestTokens.Mint("u-exp", expires: DateTimeOffset.UtcNow.AddSeconds(2))), ct);
        await using ChatTestClient expiring = await ChatTestClient.ConnectAsync(_server.Uri("?token=" + TestTokens.Mint("u-exp", expires: DateTimeOffset.UtcNow.AddSeconds(2))), ct);
        await refreshed.ExpectAsync("welcome", ct);
        await expiring.ExpectAsync("welcome", ct);
        DateTimeOffset newExp = DateTimeOffset.UtcNow.AddMinutes(10);
        await refreshed.SendAsync(new { type = "auth", token = TestTokens.Mint("u-exp", expires: newExp), @ref = "refresh" }, ct);
        JsonElement ack = await refreshed.ExpectAsync("ack", ct);
        Assert.That(ack.GetProperty("ref").GetString(), Is.EqualTo("refresh"));
        Assert.That(ack.GetProperty("expires_at").GetInt64(), Is.EqualTo(newExp.ToUnixTimeSeconds() * 1000));
        await refreshed.SendAsync(new { type = "auth", token = TestTokens.Mint("someone-else"), @ref = "steal" }, ct);
        Assert.That((await refreshed.ExpectAsync("error", ct)).GetProperty("code").GetString(), Is.EqualTo("forbidden"));

        await expiring.Closed.WaitAsync(ct);
        Assert.That(expiring.CloseStatus, Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        Assert.That(expiring.CloseDescription, Is.EqualTo("token expired"));
        Assert.That(await refreshed.DrainAsync("alive", ct), Is.Empty, "the refreshed connection outlived its first token");
        Assert.That(refreshed.CloseStatus, Is.Null);
    }

    private Task<string> UpgradeHeadAsync(string query, string? header, CancellationToken ct) =>
        RawClient.UpgradeHeadAsync(_server.EndPoint, "/ws" + query, header, ct);
}
