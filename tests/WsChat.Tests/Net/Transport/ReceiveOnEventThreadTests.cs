using System.Collections.Concurrent;
using System.Text;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>
/// <see cref="WebSocketServerOptions.ReceiveOnEventThread"/> on the epoll engine: when on, a small message's
/// <c>OnMessage</c> runs on the engine's event thread (not a thread-pool thread); when off, on the thread pool. Either
/// way every message arrives whole and in order, including ones larger than one receive buffer (which the event thread
/// hands on to the thread pool) and a burst that arrives in one read.
/// </summary>
[CancelAfter(60_000)]
public class ReceiveOnEventThreadTests
{
    [TestCase(true, false)]
    [TestCase(false, true)]
    public async Task SmallMessage_RunsOnTheEventThreadOnlyWhenOn(bool receiveOnEventThread, bool expectThreadPool, CancellationToken ct)
    {
        var handler = new ThreadRecordingEcho();
        await using TestServer server = TestServer.Start(SocketEngine.Epoll, new WebSocketServerOptions { ReceiveOnEventThread = receiveOnEventThread },
            s => s.MapWebSocket("/threads", handler));
        using RawClient client = await RawClient.UpgradeAsync(server.EndPoint, "/threads", ct);

        for (int i = 0; i < 5; i++)
        {
            // One at a time, each after the previous echo: the connection is parked on "readable" when it arrives.
            await client.SendTextAsync($"small {i}", ct);
            RawFrame? echo = await client.ReceiveFrameAsync(ct);
            Assert.That(echo?.Text, Is.EqualTo($"small {i}"));
        }

        // The first message may be read by the handshake's own receive; the parked ones after it show the path.
        Assert.That(handler.OnThreadPool.Skip(1), Is.All.EqualTo(expectThreadPool));
        Assert.That(server.Log.Errors, Is.Empty);
    }

    [TestCase(64 * 1024)]
    [TestCase(1024 * 1024)]
    public async Task LargerThanOneReceiveBuffer_ArrivesWholeWhenOn(int size, CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(SocketEngine.Epoll, new WebSocketServerOptions { ReceiveOnEventThread = true });
        using RawClient client = await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct);
        byte[] payload = new byte[size];
        new Random(size).NextBytes(payload);

        await client.SendFrameAsync(0x2, payload, ct);

        RawFrame? echo = await client.ReceiveFrameAsync(ct);
        Assert.That(echo?.Payload, Is.EqualTo(payload));
        Assert.That(server.Log.Errors, Is.Empty);
    }

    [Test]
    public async Task BurstOfMessagesInOneWrite_AllArriveInOrderWhenOn(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(SocketEngine.Epoll, new WebSocketServerOptions { ReceiveOnEventThread = true });
        using RawClient client = await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct);
        // 2,000 masked frames in one send: many receive buffers' worth, so the event thread hands over mid-stream.
        var burst = new List<byte>();
        for (int i = 0; i < 2000; i++) burst.AddRange(RawClient.Frame(0x1, Encoding.UTF8.GetBytes($"m{i}")));
        await client.SendAsync(burst.ToArray(), ct);

        for (int i = 0; i < 2000; i++)
        {
            RawFrame? echo = await client.ReceiveFrameAsync(ct);
            Assert.That(echo?.Text, Is.EqualTo($"m{i}"));
        }

        Assert.That(server.Log.Errors, Is.Empty);
    }

    /// <summary>Echoes, and records for each message whether it ran on a thread-pool thread.</summary>
    private sealed class ThreadRecordingEcho : IWebSocketHandler
    {
        private readonly ConcurrentQueue<bool> _onThreadPool = new();

        public IEnumerable<bool> OnThreadPool => _onThreadPool;

        public UpgradeDecision OnUpgrade(HttpRequest request) => UpgradeDecision.Accept();

        public void OnOpen(WebSocketConnection connection)
        {
        }

        public void OnMessage(WebSocketConnection connection, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
        {
            _onThreadPool.Enqueue(Thread.CurrentThread.IsThreadPoolThread);
            EchoBack.Send(connection, opcode, payload);
        }

        public void OnClose(WebSocketConnection connection, WebSocketCloseCode code)
        {
        }
    }
}
