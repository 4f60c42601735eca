using System.Text;
using WsChat.Net.Buffers;
using WsChat.Net.Diagnostics;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>The transport's counting sites, driven over real loopback sockets.</summary>
[CancelAfter(30_000)]
[TestFixture(SocketEngine.Managed)]
[TestFixture(SocketEngine.Epoll)]
public class TransportMetricsSocketTests(SocketEngine engine)
{
    [Test]
    public async Task EchoSession_OpenEchoClose_CountsOpenedBytesAndCloseCode(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine);
        TransportMetrics m = server.Server.Metrics;
        using (RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct))
        {
            await c.SendTextAsync("hello", ct);
            RawFrame? echo = await c.ReceiveFrameAsync(ct);
            Assert.That(echo?.Text, Is.EqualTo("hello"));
            Assert.That(m.ConnectionsCurrent, Is.EqualTo(1));
            await c.SendAsync(RawClient.CloseFrame(1000), ct);
            (RawFrame close, _) = await c.ReceiveUntilCloseAsync(ct);
            Assert.That(close.CloseCode, Is.EqualTo(1000));
        }

        await WaitUntil(() => m.ConnectionsClosed == 1, ct);
        Assert.Multiple(() =>
        {
            Assert.That(m.ConnectionsOpened, Is.EqualTo(1));
            Assert.That(m.ClosedByCode(TransportMetrics.CloseSlot(1000)), Is.EqualTo(1));
            Assert.That(m.ConnectionsCurrent, Is.Zero);
            // Upgrade request + masked "hello" (6 + 5) + masked close (6 + 2); the server sent 101, "hello" (2 + 5) and its close (2 + 2).
            Assert.That(m.BytesReceivedTotal, Is.EqualTo(Encoding.ASCII.GetByteCount(RawClient.UpgradeRequest("/echo")) + 11 + 8));
            Assert.That(m.BytesSentTotal, Is.GreaterThan(7 + 4 + "HTTP/1.1 101 ".Length));
        });
    }

    [Test]
    public async Task Rejections_404_405_426_408_CountedByStatus(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine, new WebSocketServerOptions
        {
            RequestHeadTimeout = TimeSpan.FromMilliseconds(300),
            TimerResolution = TimeSpan.FromMilliseconds(25),
        });
        TransportMetrics m = server.Server.Metrics;
        await RequestAsync(server, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", "404", ct);
        await RequestAsync(server, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "405", ct);
        await RequestAsync(server, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", "426", ct);
        await RequestAsync(server, "GET /echo HTTP/1.1\r\nHost: x\r\n", "408", ct);   // never finishes its head
        await RequestAsync(server, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "200", ct);

        Assert.Multiple(() =>
        {
            foreach (int status in new[] { 404, 405, 426, 408 })
                Assert.That(m.RejectedByStatus(TransportMetrics.StatusSlot(status)), Is.EqualTo(1), status.ToString());
            Assert.That(m.RejectedByStatus(TransportMetrics.StatusSlot(200)), Is.Zero, "a handler's 200 is no rejection");
            Assert.That(m.ConnectionsOpened, Is.Zero);
        });
    }

    [Test]
    public async Task SlowConsumer_QueueFills_CountedOnceAndQueuedBytesVisibleMeanwhile(CancellationToken ct)
    {
        var handler = new HoldingHandler();
        await using TestServer server = TestServer.Start(engine, new WebSocketServerOptions { MaxOutboundBytes = 256 * 1024 }, s => s.MapWebSocket("/hold", handler));
        TransportMetrics m = server.Server.Metrics;
        using RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/hold", ct);
        WebSocketConnection connection = await handler.Opened.Task.WaitAsync(ct);

        // The client reads nothing: what the kernel's buffers do not take stays queued, and the gauge shows it.
        while (true)
        {
            SharedFrame frame = SharedFrame.Rent(16 * 1024);
            frame.Advance(16 * 1024);
            frame.Seal(WebSocketOpcode.Binary);
            if (!connection.TrySend(frame)) break;
            if (m.OutboundQueueBytes > 0) Assert.That(m.OutboundQueueBytes, Is.LessThanOrEqualTo(256 * 1024 + (16 * 1024) + 4));
        }

        Assert.That(m.SlowConsumerCloses, Is.EqualTo(1));
        (RawFrame close, _) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1008));
        await WaitUntil(() => m.ConnectionsClosed == 1, ct);
        Assert.Multiple(() =>
        {
            Assert.That(m.ClosedByCode(TransportMetrics.CloseSlot(1008)), Is.EqualTo(1));
            Assert.That(m.OutboundQueueBytes, Is.Zero, "a closed connection's queue no longer counts");
        });
    }

    [Test]
    public async Task PeerVanishes_NoCloseHandshake_CountedAs1006(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine);
        TransportMetrics m = server.Server.Metrics;
        RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct);
        c.Socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);   // RST, no close frame
        c.Dispose();
        await WaitUntil(() => m.ConnectionsClosed == 1, ct);
        Assert.That(m.ClosedByCode(TransportMetrics.CloseSlot(1006)), Is.EqualTo(1));
    }

    private static async Task RequestAsync(TestServer server, string request, string expectedStatus, CancellationToken ct)
    {
        using RawClient c = await RawClient.ConnectAsync(server.EndPoint, ct);
        await c.SendAsync(request, ct);
        string head = await c.ReadHeadAsync(ct);
        Assert.That(head, Does.StartWith("HTTP/1.1 " + expectedStatus), request);
    }

    private static async Task WaitUntil(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(10, ct);
    }

    private sealed class HoldingHandler : IWebSocketHandler
    {
        public TaskCompletionSource<WebSocketConnection> Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public UpgradeDecision OnUpgrade(HttpRequest request) => UpgradeDecision.Accept();

        public void OnOpen(WebSocketConnection connection) => Opened.TrySetResult(connection);

        public void OnMessage(WebSocketConnection connection, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
        {
        }

        public void OnClose(WebSocketConnection connection, WebSocketCloseCode code)
        {
        }
    }
}
