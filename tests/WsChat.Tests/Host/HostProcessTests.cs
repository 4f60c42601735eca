using System.Net.WebSockets;
using System.Text;
using WsChat.Tests.EndToEnd;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host;

/// <summary>The real wschat process: configuration from the command line, /echo, /readyz, and SIGTERM → drain → exit 0.</summary>
[CancelAfter(60_000)]
public class HostProcessTests
{
    [Test]
    public async Task Process_SigTerm_EveryClientGets1001AndExitCodeIsZero(CancellationToken ct)
    {
        using var wschat = WsChatChildProcess.Start("--WsChat:Address=127.0.0.1", "--WsChat:Port=0", "--WsChat:Echo:Enabled=true");
        int p = await wschat.ListeningPortAsync(ct);
        var endPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, p);
        var clients = new List<ClientWebSocket>();
        for (int i = 0; i < 3; i++)
        {
            var ws = new ClientWebSocket();
            await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{p}/echo"), ct);
            await ws.SendAsync(Encoding.UTF8.GetBytes($"hello {i}"), WebSocketMessageType.Text, true, ct);
            (_, byte[] echoed) = await ClientWebSocketInteropTests.ReceiveMessageAsync(ws, ct);
            Assert.That(Encoding.UTF8.GetString(echoed), Is.EqualTo($"hello {i}"));
            clients.Add(ws);
        }

        Assert.That(await Get(endPoint, "/readyz", ct), Does.StartWith("HTTP/1.1 200 "));
        Assert.That(wschat.SendSigTerm(), Is.True);

        for (int i = 0; i < clients.Count; i++)
        {
            WebSocketReceiveResult result = await clients[i].ReceiveAsync(new byte[64], ct);
            Assert.That(result.CloseStatus, Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable), $"client {i}");
            // While a connection still owes its close reply, the server is draining: /readyz says 503.
            if (i == 0) Assert.That(await Get(endPoint, "/readyz", ct), Does.StartWith("HTTP/1.1 503 "));
            await clients[i].CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, ct);
        }

        await wschat.WaitForExitAsync(ct);
        Assert.That(wschat.ExitCode, Is.Zero, wschat.Output);
        foreach (ClientWebSocket ws in clients) ws.Dispose();
    }

    [Test]
    public async Task Process_EchoNotEnabled_EchoAnswers404AndHealthz200(CancellationToken ct)
    {
        using var wschat = WsChatChildProcess.Start("--WsChat:Address=127.0.0.1", "--WsChat:Port=0");
        var endPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, await wschat.ListeningPortAsync(ct));
        Assert.That(await Get(endPoint, "/healthz", ct), Does.StartWith("HTTP/1.1 200 "));
        using RawClient c = await RawClient.ConnectAsync(endPoint, ct);
        await c.SendAsync(RawClient.UpgradeRequest("/echo"), ct);
        Assert.That(await c.ReadToEndAsync(ct), Does.StartWith("HTTP/1.1 404 "));
        Assert.That(wschat.SendSigTerm(), Is.True);
        await wschat.WaitForExitAsync(ct);
        Assert.That(wschat.ExitCode, Is.Zero);
    }

    // WsChat:SocketEngine reaches the transport, and the log says which engine runs (Auto picks it by platform).
    [TestCase("Managed")]
    [TestCase("Epoll")]
    public async Task Process_SocketEngineConfigured_ServesAndLogsTheEngine(string engine, CancellationToken ct)
    {
        using var wschat = WsChatChildProcess.Start("--WsChat:Address=127.0.0.1", "--WsChat:Port=0", "--WsChat:Echo:Enabled=true", $"--WsChat:SocketEngine={engine}");
        int port = await wschat.ListeningPortAsync(ct);
        await wschat.WaitForLineAsync($"({engine} socket engine)", TimeSpan.FromSeconds(30), ct);
        using (var ws = new ClientWebSocket())
        {
            await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), ct);
            await ws.SendAsync(Encoding.UTF8.GetBytes("engine"), WebSocketMessageType.Text, true, ct);
            (_, byte[] echoed) = await ClientWebSocketInteropTests.ReceiveMessageAsync(ws, ct);
            Assert.That(Encoding.UTF8.GetString(echoed), Is.EqualTo("engine"));
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        }

        Assert.That(wschat.SendSigTerm(), Is.True);
        await wschat.WaitForExitAsync(ct);
        Assert.That(wschat.ExitCode, Is.Zero, wschat.Output);
    }

    // WsChat:MaxConnections reaches the transport: at the limit every connection is served, one past it gets 503
    // and a close, and a freed place is served again.
    [Test]
    public async Task Process_MaxConnectionsConfigured_AtTheLimitServedOnePastGets503(CancellationToken ct)
    {
        using var wschat = WsChatChildProcess.Start("--WsChat:Address=127.0.0.1", "--WsChat:Port=0", "--WsChat:Echo:Enabled=true", "--WsChat:MaxConnections=2");
        int port = await wschat.ListeningPortAsync(ct);
        var endPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port);
        var first = new ClientWebSocket();
        var second = new ClientWebSocket();
        foreach (ClientWebSocket ws in new[] { first, second })
        {
            await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), ct);
            await ws.SendAsync(Encoding.UTF8.GetBytes("held"), WebSocketMessageType.Text, true, ct);
            (_, byte[] echoed) = await ClientWebSocketInteropTests.ReceiveMessageAsync(ws, ct);
            Assert.That(Encoding.UTF8.GetString(echoed), Is.EqualTo("held"));
        }

        // The third connection: the 503 comes at accept, before any request. (Sending one first would race the
        // server's close: request bytes it never read make its close a reset, which can discard the 503.)
        using (RawClient third = await RawClient.ConnectAsync(endPoint, ct))
        {
            Assert.That(await third.ReadToEndAsync(ct), Does.StartWith("HTTP/1.1 503 "), "the third connection");
        }

        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        // The server counts the connection gone once its close completes: poll until the place is free again.
        string answer;
        do answer = await GetOrResetAsync(endPoint, "/healthz", ct);
        while (!answer.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal) && await Delay(ct));
        Assert.That(answer, Does.StartWith("HTTP/1.1 200 "));

        await second.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        first.Dispose();
        second.Dispose();
        Assert.That(wschat.SendSigTerm(), Is.True);
        await wschat.WaitForExitAsync(ct);
        Assert.That(wschat.ExitCode, Is.Zero, wschat.Output);
    }

    [Test]
    public async Task Process_MaxConnectionsNegative_RefusesToStartAndSaysWhy(CancellationToken ct)
    {
        using var wschat = WsChatChildProcess.Start("--WsChat:Address=127.0.0.1", "--WsChat:Port=0", "--WsChat:MaxConnections=-1");
        await wschat.WaitForExitAsync(ct);
        Assert.That(wschat.ExitCode, Is.Not.Zero);
        Assert.That(wschat.Output, Does.Contain("WsChat:MaxConnections -1 is negative"));
    }

    // A GET while the server may still be at its limit: a 503 or a reset (see above) both mean "not yet".
    private static async Task<string> GetOrResetAsync(System.Net.IPEndPoint endPoint, string path, CancellationToken ct)
    {
        try
        {
            return await Get(endPoint, path, ct);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            return "reset: " + e.Message;
        }
    }

    private static async Task<bool> Delay(CancellationToken ct)
    {
        await Task.Delay(50, ct);
        return true;
    }

    private static async Task<string> Get(System.Net.IPEndPoint endPoint, string path, CancellationToken ct)
    {
        using RawClient c = await RawClient.ConnectAsync(endPoint, ct);
        await c.SendAsync($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n", ct);
        return await c.ReadToEndAsync(ct);
    }
}
