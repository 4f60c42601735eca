using System.Text;
using WsChat.Net.Transport;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>Every HTTP status of PROTOCOL.md §5 over a real socket, each limit at and one past it, and clients
/// that dribble or never finish.</summary>
[CancelAfter(30_000)]
[Parallelizable(ParallelScope.All)]
[TestFixture(SocketEngine.Managed)]
[TestFixture(SocketEngine.Epoll)]
public class HttpStatusTests(SocketEngine engine)
{
    private TestServer _server = null!;
    // The 408 tests get their own server with a short head timeout; the others keep the default 10 s, so that a
    // loaded CI machine never turns their answer into a 408.
    private TestServer _shortTimeout = null!;

    [OneTimeSetUp]
    public void StartServer()
    {
        _server = TestServer.Start(engine, 
            new WebSocketServerOptions { AllowedOrigins = ["https://allowed.example"] },
            server => server.MapWebSocket("/refuse", new RefusingHandler()));
        _shortTimeout = TestServer.Start(engine, new WebSocketServerOptions
        {
            RequestHeadTimeout = TimeSpan.FromMilliseconds(600),
            TimerResolution = TimeSpan.FromMilliseconds(50),
        });
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        await _server.DisposeAsync();
        await _shortTimeout.DisposeAsync();
        Assert.That(_shortTimeout.Log.Errors, Is.Empty);
        // Hostile input is not a failure of ours: nothing a client sent may log an error (a 1011 close).
        Assert.That(_server.Log.Errors, Is.Empty);
    }

    [Test]
    public async Task Healthz_Get_Answers200()
    {
        string response = await Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response, Does.StartWith("HTTP/1.1 200 "));
        Assert.That(response, Does.Contain("Connection: close"));
        Assert.That(response, Does.EndWith("ok\n"));
    }

    [Test]
    public async Task Healthz_Head_Answers200WithoutBody()
    {
        string response = await Exchange("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response, Does.StartWith("HTTP/1.1 200 "));
        Assert.That(response, Does.EndWith("\r\n\r\n"));
    }

    [Test]
    public async Task Readyz_WhileRunning_Answers200() =>
        Assert.That(await Exchange("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"), Does.StartWith("HTTP/1.1 200 "));

    [TestCase("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")]
    [TestCase("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")]
    public async Task UnknownPath_Answers404(string request) =>
        Assert.That(await Exchange(request), Does.StartWith("HTTP/1.1 404 "));

    [TestCase("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")]
    [TestCase("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")]
    public async Task WrongMethod_Answers405(string request)
    {
        string response = await Exchange(request);
        Assert.That(response, Does.StartWith("HTTP/1.1 405 "));
        Assert.That(response, Does.Contain("Allow: GET"));
    }

    [Test]
    public async Task Echo_WithoutUpgradeHeader_Answers426WithUpgrade()
    {
        string response = await Exchange("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response, Does.StartWith("HTTP/1.1 426 "));
        Assert.That(response, Does.Contain("Upgrade: websocket"));
    }

    [TestCase("Sec-WebSocket-Version: 8\r\n")]
    [TestCase("")]
    public async Task Echo_WrongOrMissingVersion_Answers426WithVersion13(string versionHeader)
    {
        string request = "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" + versionHeader + "\r\n";
        string response = await Exchange(request);
        Assert.That(response, Does.StartWith("HTTP/1.1 426 "));
        Assert.That(response, Does.Contain("Sec-WebSocket-Version: 13"));
    }

    [TestCase("c2hvcnQ=")]                     // 5 bytes
    [TestCase("dGhlIHNhbXBsZSBub25jZQ")]       // not padded
    [TestCase("!!!!!!!!!!!!!!!!!!!!!!==")]
    public async Task Echo_BadKey_Answers400(string key) =>
        Assert.That(await Exchange(RawClient.UpgradeRequest("/echo", key: key)), Does.StartWith("HTTP/1.1 400 "));

    [TestCase("GARBAGE\r\n\r\n")]
    [TestCase("GET /healthz HTTP/1.1\r\n\r\n")]                 // no Host
    [TestCase("GET /healthz HTTP/1.1\nHost: x\n\n")]            // bare LF
    [TestCase("\u0001\u0002\u0003\u0004\r\n")]
    public async Task Malformed_Answers400(string request) =>
        Assert.That(await Exchange(request), Does.StartWith("HTTP/1.1 400 "));

    [TestCase("https://evil.example", "403")]
    [TestCase("https://allowed.example", "101")]
    [TestCase("http://127.0.0.1", "101")]       // same host as Host
    public async Task Echo_Origin_IsCheckedAgainstHostAndAllowList(string origin, string status)
    {
        using RawClient c = await RawClient.ConnectAsync(_server.EndPoint, CancellationToken.None);
        await c.SendAsync(RawClient.UpgradeRequest("/echo", $"Origin: {origin}\r\n"), CancellationToken.None);
        Assert.That(await c.ReadHeadAsync(CancellationToken.None), Does.StartWith($"HTTP/1.1 {status} "));
    }

    [Test]
    public async Task Upgrade_RefusedByTheHandler_AnswersItsStatus() =>
        Assert.That(await Exchange(RawClient.UpgradeRequest("/refuse")), Does.StartWith("HTTP/1.1 401 "));

    [Test]
    public async Task RequestLine_AtTheLimit_IsServed()
    {
        // "GET " + target + " HTTP/1.1" = 8192 bytes exactly: not too long, so the route decides (404).
        string target = "/" + new string('a', 8192 - 4 - 9 - 1);
        Assert.That(await Exchange($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n"), Does.StartWith("HTTP/1.1 404 "));
    }

    [Test]
    public async Task RequestLine_OnePastTheLimit_Answers414()
    {
        string target = "/" + new string('a', 8192 - 4 - 9);
        Assert.That(await Exchange($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n"), Does.StartWith("HTTP/1.1 414 "));
    }

    [Test]
    public async Task Headers_HundredOfThem_AreServed() =>
        Assert.That(await Exchange(WithHeaders(99)), Does.StartWith("HTTP/1.1 200 "));   // Host + 99 = 100

    [Test]
    public async Task Headers_HundredAndOne_Answers431() =>
        Assert.That(await Exchange(WithHeaders(100)), Does.StartWith("HTTP/1.1 431 "));

    [Test]
    public async Task Head_Over32KiB_Answers431()
    {
        string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Range(0, 9).Select(i => $"X-Big-{i}: {new string('v', 4000)}\r\n")) + "\r\n";
        Assert.That(await Exchange(request), Does.StartWith("HTTP/1.1 431 "));
    }

    [Test]
    public async Task Client_NeverFinishesItsHead_Gets408ThenFin()
    {
        using RawClient c = await RawClient.ConnectAsync(_shortTimeout.EndPoint, CancellationToken.None);
        await c.SendAsync("GET /healthz HTTP/1.1\r\nHost: x\r\n", CancellationToken.None);
        Assert.That(await c.ReadToEndAsync(CancellationToken.None), Does.StartWith("HTTP/1.1 408 "));
    }

    [Test]
    public async Task Client_SendsNothing_Gets408()
    {
        using RawClient c = await RawClient.ConnectAsync(_shortTimeout.EndPoint, CancellationToken.None);
        Assert.That(await c.ReadToEndAsync(CancellationToken.None), Does.StartWith("HTTP/1.1 408 "));
    }

    [Test]
    public async Task Client_DribblesSlowerThanTheTimeout_Gets408(CancellationToken ct)
    {
        using RawClient c = await RawClient.ConnectAsync(_shortTimeout.EndPoint, ct);
        Task<string> response = c.ReadToEndAsync(ct);
        byte[] request = Encoding.ASCII.GetBytes("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        try
        {
            // One byte per 100 ms: the whole head would take 3.6 s, far past the 600 ms head timeout.
            foreach (byte b in request)
            {
                if (response.IsCompleted) break;
                await c.SendAsync([b], ct);
                await Task.Delay(100, ct);
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The server closed while we were still dribbling: expected.
        }

        Assert.That(await response, Does.StartWith("HTTP/1.1 408 "));
    }

    [Test]
    public async Task Client_DribblesAnUpgradeByteByByte_IsUpgraded(CancellationToken ct)
    {
        using RawClient c = await RawClient.ConnectAsync(_server.EndPoint, ct);
        await c.SendChoppedAsync(Encoding.ASCII.GetBytes(RawClient.UpgradeRequest("/echo")), 1, ct);
        Assert.That(await c.ReadHeadAsync(ct), Does.StartWith("HTTP/1.1 101 "));
        await c.SendTextAsync("after dribble", ct);
        Assert.That((await c.ReceiveFrameAsync(ct))!.Value.Text, Is.EqualTo("after dribble"));
    }

    [Test]
    public async Task Upgrade_FramesRightBehindTheHead_AreProcessed(CancellationToken ct)
    {
        using RawClient c = await RawClient.ConnectAsync(_server.EndPoint, ct);
        await c.SendAsync([.. Encoding.ASCII.GetBytes(RawClient.UpgradeRequest("/echo")), .. RawClient.Frame(0x1, "eager"u8.ToArray())], ct);
        Assert.That(await c.ReadHeadAsync(ct), Does.StartWith("HTTP/1.1 101 "));
        Assert.That((await c.ReceiveFrameAsync(ct))!.Value.Text, Is.EqualTo("eager"));
    }

    [Test]
    public async Task Garbage_ManyHostileConnections_ServerStaysUp(CancellationToken ct)
    {
        var random = new Random(7);
        for (int i = 0; i < 50; i++)
        {
            byte[] junk = new byte[random.Next(1, 5000)];
            random.NextBytes(junk);
            using RawClient c = await RawClient.ConnectAsync(_server.EndPoint, ct);
            try
            {
                await c.SendAsync(junk, ct);
                await c.ReadToEndAsync(ct);
            }
            catch (System.Net.Sockets.SocketException)
            {
                // A reset is an acceptable answer to garbage.
            }
        }

        Assert.That(await Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), Does.StartWith("HTTP/1.1 200 "));
    }

    private string WithHeaders(int extra) =>
        "GET /healthz HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Range(0, extra).Select(i => $"X-H{i}: v\r\n")) + "\r\n";

    private async Task<string> Exchange(string request)
    {
        using RawClient c = await RawClient.ConnectAsync(_server.EndPoint, CancellationToken.None);
        await c.SendAsync(Encoding.Latin1.GetBytes(request), CancellationToken.None);
        return await c.ReadToEndAsync(CancellationToken.None);
    }

    private sealed class RefusingHandler : IWebSocketHandler
    {
        public UpgradeDecision OnUpgrade(HttpRequest request) => UpgradeDecision.Refuse(401);

        public void OnOpen(WebSocketConnection connection) => Assert.Fail("refused connections never open");

        public void OnMessage(WebSocketConnection connection, WsChat.Net.WebSockets.WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
        {
        }

        public void OnClose(WebSocketConnection connection, WsChat.Net.WebSockets.WebSocketCloseCode code)
        {
        }
    }
}
