using System.Net.WebSockets;
using WsChat.Net.Buffers;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>Transport behaviour over real sockets: slow consumers, heartbeats, handler failures, drain, ownership of frames.</summary>
[CancelAfter(30_000)]
[TestFixture(SocketEngine.Managed)]
[TestFixture(SocketEngine.Epoll)]
public class WebSocketServerTests(SocketEngine engine)
{
    [Test]
    public async Task SlowConsumer_ClientStopsReading_ClosedWith1008AfterQueuedFrames(CancellationToken ct)
    {
        var flood = new FloodHandler();
        await using TestServer server = TestServer.Start(engine, new WebSocketServerOptions { MaxOutboundBytes = 256 * 1024 }, s => s.MapWebSocket("/flood", flood));
        using RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/flood", ct);
        await flood.Refused.Task.WaitAsync(ct);   // the handler queued until TrySend said no
        (RawFrame close, List<RawFrame> before) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1008));
        Assert.That(close.Text[2..], Is.EqualTo("slow consumer"));
        Assert.That(before, Has.Count.EqualTo(flood.Queued), "every accepted frame arrives before the close");
        // The bound counts what waits for the kernel: frames the kernel took at once (sent inline while its buffers
        // had room) are not held by the server.
        Assert.That(flood.MaxOutboundBytes, Is.LessThanOrEqualTo(256 * 1024 + FloodHandler.FrameSize));
        Assert.That(flood.MaxOutboundBytes, Is.GreaterThan(256 * 1024 - FloodHandler.FrameSize), "the flood reached the bound");
    }

    [Test]
    public async Task SlowConsumer_NeverReads_ConnectionClosedAfterCloseTimeout(CancellationToken ct)
    {
        var flood = new FloodHandler();
        await using TestServer server = TestServer.Start(engine, 
            new WebSocketServerOptions { MaxOutboundBytes = 64 * 1024, CloseTimeout = TimeSpan.FromMilliseconds(300), TimerResolution = TimeSpan.FromMilliseconds(50) },
            s => s.MapWebSocket("/flood", flood));
        using RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/flood", ct);
        WebSocketCloseCode code = await flood.Closed.Task.WaitAsync(ct);
        Assert.That(code, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
        await WaitUntil(() => server.Server.ConnectionCount == 0, ct);
        // The read loop frees the slot; the sender, whose send to the never-reading peer was parked, fails and
        // releases its frame on its own thread, possibly a moment later (since d8fd0f1 also an inline send's rest).
        // A frame never released hangs here until [CancelAfter].
        await WaitUntil(() => flood.Released, ct);
    }

    [Test]
    public async Task Heartbeat_SilentClient_PingedThenClosedWith1001(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine, new WebSocketServerOptions
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(300),
            TimerResolution = TimeSpan.FromMilliseconds(25),
            CloseTimeout = TimeSpan.FromMilliseconds(500),
        });
        using RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct);
        (RawFrame close, List<RawFrame> before) = await c.ReceiveUntilCloseAsync(ct);   // we never answer the pings
        Assert.That(before.Select(f => f.Opcode), Has.Member(0x9), "pinged before being closed");
        Assert.That(before.Select(f => f.Opcode), Is.All.EqualTo(0x9));
        Assert.That(close.CloseCode, Is.EqualTo(1001));
        Assert.That(await c.ReceiveEofAsync(ct), Is.True);
    }

    [Test]
    public async Task Heartbeat_ClientAnsweringPings_StaysOpen(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine, new WebSocketServerOptions
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(400),
            TimerResolution = TimeSpan.FromMilliseconds(25),
        });
        using RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct);
        int pings = 0;
        DateTime until = DateTime.UtcNow.AddMilliseconds(2200);   // over five intervals: a silent client is closed after two
        while (DateTime.UtcNow < until)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(until - DateTime.UtcNow + TimeSpan.FromMilliseconds(1));
            RawFrame frame;
            try
            {
                frame = (await c.ReceiveFrameAsync(wait.Token))!.Value;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                break;
            }

            Assert.That(frame.Opcode, Is.EqualTo(0x9), "only pings, never a close");
            pings++;
            await c.SendFrameAsync(0xA, frame.Payload, ct);
        }

        Assert.That(pings, Is.GreaterThanOrEqualTo(2));
        await c.SendTextAsync("still here", ct);
        RawFrame? echo;
        do echo = await c.ReceiveFrameAsync(ct); while (echo?.Opcode == 0x9);
        Assert.That(echo!.Value.Text, Is.EqualTo("still here"));
    }

    [Test]
    public async Task Handler_ThrowsInOnMessage_ClosedWith1011AndServerStaysUp(CancellationToken ct)
    {
        var handler = new ThrowingHandler();
        await using TestServer server = TestServer.Start(engine, configure: s => s.MapWebSocket("/throw", handler));
        using RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/throw", ct);
        await c.SendTextAsync("boom", ct);
        (RawFrame close, _) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1011));
        Assert.That(await c.ReceiveEofAsync(ct), Is.True);
        WebSocketCloseCode closed = await handler.Closed.Task.WaitAsync(ct);
        Assert.That(closed, Is.EqualTo(WebSocketCloseCode.InternalError));
        using RawClient again = await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct);
        await again.SendTextAsync("alive", ct);
        Assert.That((await again.ReceiveFrameAsync(ct))!.Value.Text, Is.EqualTo("alive"));
    }

    [Test]
    public async Task Connection_PeerVanishes_OnCloseReports1006AndSlotIsFreed(CancellationToken ct)
    {
        var handler = new ThrowingHandler();
        await using TestServer server = TestServer.Start(engine, configure: s => s.MapWebSocket("/throw", handler));
        RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/throw", ct);
        long id = await handler.Opened.Task.WaitAsync(ct);
        c.Dispose();
        Assert.That(await handler.Closed.Task.WaitAsync(ct), Is.EqualTo(WebSocketCloseCode.AbnormalClosure));
        await WaitUntil(() => server.Server.ConnectionCount == 0, ct);
        Assert.That(server.Server.TryGetConnection(id, out _), Is.False);
    }

    [Test]
    public async Task Close_ServerInitiated_PeerGetsCodeAndReasonAndOnCloseHasIt(CancellationToken ct)
    {
        var handler = new ThrowingHandler();
        await using TestServer server = TestServer.Start(engine, configure: s => s.MapWebSocket("/throw", handler));
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(server.Uri("/throw"), ct);
        long id = await handler.Opened.Task.WaitAsync(ct);
        Assert.That(server.Server.TryGetConnection(id, out WebSocketConnection? connection), Is.True);
        connection!.Close(WebSocketCloseCode.PolicyViolation, "token expired");
        WebSocketReceiveResult result = await ws.ReceiveAsync(new byte[16], ct);
        Assert.That((result.CloseStatus, result.CloseStatusDescription), Is.EqualTo(((WebSocketCloseStatus?)WebSocketCloseStatus.PolicyViolation, "token expired")));
        await ws.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, null, ct);
        Assert.That(await handler.Closed.Task.WaitAsync(ct), Is.EqualTo(WebSocketCloseCode.PolicyViolation));
        Assert.That(connection.State, Is.EqualTo(WebSocketConnectionState.Closed));
        SharedFrame late = SharedFrame.Rent();
        late.Seal();
        late.AddRef();
        Assert.That(connection.TrySend(late), Is.False, "closed connections refuse");
        Assert.That(late.RefCount, Is.EqualTo(1), "and release the reference they were given");
        late.Release();
    }

    [Test]
    public async Task Drain_NewUpgradesGet503AndReadyzAnswers503(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine, new WebSocketServerOptions { DrainTimeout = TimeSpan.FromSeconds(5) });
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(server.Uri("/echo"), ct);
        Task drain = server.Server.DrainAsync(ct);
        Assert.That(server.Server.State, Is.EqualTo(WebSocketServerState.Draining));
        using (RawClient probe = await RawClient.ConnectAsync(server.EndPoint, ct))
        {
            await probe.SendAsync("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n", ct);
            Assert.That(await probe.ReadToEndAsync(ct), Does.StartWith("HTTP/1.1 503 "));
        }

        using (RawClient late = await RawClient.ConnectAsync(server.EndPoint, ct))
        {
            await late.SendAsync(RawClient.UpgradeRequest("/echo"), ct);
            Assert.That(await late.ReadToEndAsync(ct), Does.StartWith("HTTP/1.1 503 "));
        }

        WebSocketReceiveResult result = await ws.ReceiveAsync(new byte[16], ct);
        Assert.That(result.CloseStatus, Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable));
        await ws.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, ct);
        await drain;
        Assert.That(server.Server.State, Is.EqualTo(WebSocketServerState.Stopped));
    }

    [Test]
    public async Task Drain_ClientNeverAnswers_ClosedAtTheDrainTimeout(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine, new WebSocketServerOptions { DrainTimeout = TimeSpan.FromMilliseconds(300), CloseTimeout = TimeSpan.FromSeconds(20) });
        using RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct);
        await server.Server.DrainAsync(ct);
        (RawFrame close, _) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1001));
        Assert.That(server.Server.ConnectionCount, Is.Zero);
    }

    internal static async Task WaitUntil(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(10, ct);
    }

    /// <summary>Queues 16 KiB frames on open until the connection refuses one.</summary>
    private sealed class FloodHandler : IWebSocketHandler
    {
        public const int FrameSize = 16 * 1024;
        private readonly List<SharedFrame> _frames = [];

        public TaskCompletionSource Refused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<WebSocketCloseCode> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Queued { get; private set; }

        /// <summary>The most <see cref="WebSocketConnection.OutboundBytes"/> seen after an accepted frame.</summary>
        public long MaxOutboundBytes { get; private set; }

        public bool Released => _frames.TrueForAll(f => f.RefCount == 1);

        public UpgradeDecision OnUpgrade(HttpRequest request) => UpgradeDecision.Accept();

        public void OnOpen(WebSocketConnection connection)
        {
            while (true)
            {
                SharedFrame frame = SharedFrame.Rent(FrameSize);
                frame.Advance(FrameSize);
                frame.Seal(WebSocketOpcode.Binary);
                _frames.Add(frame);
                if (!connection.TrySend(frame.AddRef())) break;
                Queued++;
                MaxOutboundBytes = Math.Max(MaxOutboundBytes, connection.OutboundBytes);
            }

            Refused.TrySetResult();
        }

        public void OnMessage(WebSocketConnection connection, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
        {
        }

        public void OnClose(WebSocketConnection connection, WebSocketCloseCode code) => Closed.TrySetResult(code);
    }

    private sealed class ThrowingHandler : IWebSocketHandler
    {
        public TaskCompletionSource<long> Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<WebSocketCloseCode> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public UpgradeDecision OnUpgrade(HttpRequest request) => UpgradeDecision.Accept();

        public void OnOpen(WebSocketConnection connection) => Opened.TrySetResult(connection.Id);

        public void OnMessage(WebSocketConnection connection, WebSocketOpcode opcode, ReadOnlySpan<byte> payload) =>
            throw new InvalidOperationException("handler bug");

        public void OnClose(WebSocketConnection connection, WebSocketCloseCode code) => Closed.TrySetResult(code);
    }
}
