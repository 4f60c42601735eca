using WsChat.Net.Transport;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd;

/// <summary>System.Net.WebSockets.ClientWebSocket (an implementation we did not write) against our /echo.</summary>
[CancelAfter(30_000)]
[TestFixture(SocketEngine.Managed)]
[TestFixture(SocketEngine.Epoll)]
public class ClientWebSocketInteropTests(SocketEngine engine)
{
    private TestServer _server = null!;

    [SetUp]
    public void SetUp() => _server = TestServer.Start(engine);

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    [Test]
    public async Task Echo_TextMessage_ComesBackUnchanged(CancellationToken ct)
    {
        using ClientWebSocket ws = await ConnectAsync(ct);
        byte[] sent = Encoding.UTF8.GetBytes("héllo wörld ✓ 🎉");
        await ws.SendAsync(sent, WebSocketMessageType.Text, true, ct);
        (WebSocketMessageType type, byte[] received) = await ReceiveMessageAsync(ws, ct);
        Assert.That(type, Is.EqualTo(WebSocketMessageType.Text));
        Assert.That(received, Is.EqualTo(sent));
    }

    [Test]
    public async Task Echo_BinaryMessage_ComesBackUnchanged(CancellationToken ct)
    {
        using ClientWebSocket ws = await ConnectAsync(ct);
        byte[] sent = RandomNumberGenerator.GetBytes(300);
        await ws.SendAsync(sent, WebSocketMessageType.Binary, true, ct);
        (WebSocketMessageType type, byte[] received) = await ReceiveMessageAsync(ws, ct);
        Assert.That(type, Is.EqualTo(WebSocketMessageType.Binary));
        Assert.That(received, Is.EqualTo(sent));
    }

    [Test]
    public async Task Echo_FragmentedText_IsReassembled(CancellationToken ct)
    {
        using ClientWebSocket ws = await ConnectAsync(ct);
        // "é" (C3 A9) split across fragments: UTF-8 validation must carry over (RFC 6455 §8.1).
        byte[] whole = Encoding.UTF8.GetBytes("fragments: é and more é");
        int cut = Array.IndexOf(whole, (byte)0xC3) + 1;
        await ws.SendAsync(whole.AsMemory(0, cut), WebSocketMessageType.Text, false, ct);
        await ws.SendAsync(whole.AsMemory(cut, 5), WebSocketMessageType.Text, false, ct);
        await ws.SendAsync(whole.AsMemory(cut + 5), WebSocketMessageType.Text, true, ct);
        (_, byte[] received) = await ReceiveMessageAsync(ws, ct);
        Assert.That(received, Is.EqualTo(whole));
    }

    [TestCase(125)]
    [TestCase(126)]
    [TestCase(65535)]
    [TestCase(65536)]
    [TestCase(4 * 1024 * 1024)]
    public async Task Echo_LargeBinary_ComesBackUnchanged(int size, CancellationToken ct)
    {
        using ClientWebSocket ws = await ConnectAsync(ct);
        byte[] sent = RandomNumberGenerator.GetBytes(size);
        await ws.SendAsync(sent, WebSocketMessageType.Binary, true, ct);
        (_, byte[] received) = await ReceiveMessageAsync(ws, ct);
        Assert.That(received.AsSpan().SequenceEqual(sent), Is.True);   // not Is.EqualTo: slow on MiB arrays
    }

    [Test]
    public async Task Echo_ManyMessagesInARow_AllComeBackInOrder(CancellationToken ct)
    {
        using ClientWebSocket ws = await ConnectAsync(ct);
        const int count = 500;
        Task sender = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++) await ws.SendAsync(Encoding.UTF8.GetBytes($"m{i}"), WebSocketMessageType.Text, true, ct);
        }, ct);
        for (int i = 0; i < count; i++)
        {
            (_, byte[] received) = await ReceiveMessageAsync(ws, ct);
            Assert.That(Encoding.UTF8.GetString(received), Is.EqualTo($"m{i}"));
        }

        await sender;
    }

    [TestCase(WebSocketCloseStatus.NormalClosure)]
    [TestCase((WebSocketCloseStatus)4000)]
    [TestCase(WebSocketCloseStatus.EndpointUnavailable)]
    public async Task Close_ClientInitiated_ServerEchoesTheCode(WebSocketCloseStatus status, CancellationToken ct)
    {
        using ClientWebSocket ws = await ConnectAsync(ct);
        await ws.CloseAsync(status, "bye", ct);
        Assert.That(ws.State, Is.EqualTo(WebSocketState.Closed));
        Assert.That(ws.CloseStatus, Is.EqualTo(status));
    }

    [Test]
    public async Task Echo_MessageOverTheLimit_ClosesWith1009(CancellationToken ct)
    {
        await using TestServer small = TestServer.Start(engine, echoMaxMessageBytes: 1000);
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(small.Uri("/echo"), ct);
        await ws.SendAsync(new byte[1000], WebSocketMessageType.Binary, true, ct);   // at the limit: echoed
        (_, byte[] echoed) = await ReceiveMessageAsync(ws, ct);
        Assert.That(echoed, Has.Length.EqualTo(1000));
        await ws.SendAsync(new byte[1001], WebSocketMessageType.Binary, true, ct);   // one past: 1009
        WebSocketReceiveResult result = await ws.ReceiveAsync(new byte[16], ct);
        Assert.That(result.MessageType, Is.EqualTo(WebSocketMessageType.Close));
        Assert.That(result.CloseStatus, Is.EqualTo(WebSocketCloseStatus.MessageTooBig));
    }

    [Test]
    public async Task Drain_OpenConnections_AllReceive1001(CancellationToken ct)
    {
        var clients = new List<ClientWebSocket>();
        for (int i = 0; i < 5; i++) clients.Add(await ConnectAsync(ct));
        Task drain = _server.Server.DrainAsync(ct);
        foreach (ClientWebSocket ws in clients)
        {
            WebSocketReceiveResult result = await ws.ReceiveAsync(new byte[16], ct);
            Assert.That(result.MessageType, Is.EqualTo(WebSocketMessageType.Close));
            Assert.That(result.CloseStatus, Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable));
            await ws.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, ct);
        }

        await drain;
        Assert.That(_server.Server.WebSocketCount, Is.Zero);
        foreach (ClientWebSocket ws in clients) ws.Dispose();
    }

    private async Task<ClientWebSocket> ConnectAsync(CancellationToken ct)
    {
        var ws = new ClientWebSocket();
        await ws.ConnectAsync(_server.Uri("/echo"), ct);
        return ws;
    }

    internal static async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveMessageAsync(WebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult result = await ws.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException($"closed: {result.CloseStatus} {result.CloseStatusDescription}");
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (result.MessageType, message.ToArray());
        }
    }
}
