using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using WsChat.LoadGen.Connections;
using WsChat.LoadGen.Connections.Epoll;

namespace WsChat.Tests.Tools;

/// <summary>
/// tools/loadgen's epoll client (<c>--client epoll</c>) against a hand-written server over real loopback sockets: the
/// handshake, frames whole, split at every index and many per read, pings, both closes, refusals and protocol errors.
/// </summary>
[CancelAfter(60_000)]
public sealed class EpollLoadSocketTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private EpollLoadSocketFactory _factory = null!;

    [SetUp]
    public void SetUp()
    {
        if (!ReceiveLoop.IsSupported) Assert.Ignore("the epoll client runs on Linux x64/arm64 only");
        _factory = new EpollLoadSocketFactory(loops: 1);
    }

    [Test]
    public async Task Connect_MessageBehindThe101_ReachesTheSinkOnceAttached(CancellationToken cancellationToken)
    {
        await using var peer = FakeWebSocketPeer.Listen();
        Task accept = peer.AcceptAsync(cancellationToken, behind: FakeWebSocketPeer.Text("""{"type":"welcome"}"""));
        await using ILoadSocket socket = await _factory.ConnectAsync(peer.Url, null, cancellationToken);
        await accept;
        await Task.Delay(100, cancellationToken);   // the welcome is read before anyone listens: it must wait, not vanish

        var sink = new RecordingSink();
        _ = socket.ReceiveLoopAsync(sink, cancellationToken);
        Assert.That(await sink.WaitForAsync(1, cancellationToken), Is.EqualTo(new[] { """{"type":"welcome"}""" }));
    }

    [Test]
    public async Task Receive_FrameSplitAtEveryIndexAndBytewise_EachArrivesWholeOnce(CancellationToken cancellationToken)
    {
        (FakeWebSocketPeer peer, ILoadSocket socket, RecordingSink sink, _) = await OpenAsync(cancellationToken);
        await using (peer)
        await using (socket)
        {
            // 126 bytes of payload: the 16-bit length form, so the header itself splits too.
            const string Start = "{\"type\":\"message\",\"text\":\"", End = "\"}";
            string text = Start + new string('x', 126 - Start.Length - End.Length) + End;
            byte[] frame = FakeWebSocketPeer.Text(text);
            Assert.That(frame[1], Is.EqualTo(126));
            for (int i = 1; i < frame.Length; i++)
            {
                await peer.WriteAsync(frame[..i], cancellationToken);
                await Task.Delay(2, cancellationToken);   // two reads on the client, most of the time
                await peer.WriteAsync(frame[i..], cancellationToken);
            }

            foreach (byte b in frame)
            {
                await peer.WriteAsync([b], cancellationToken);
                await Task.Delay(1, cancellationToken);
            }

            string[] received = await sink.WaitForAsync(frame.Length, cancellationToken);
            Assert.That(received, Has.Length.EqualTo(frame.Length).And.All.EqualTo(text));
        }
    }

    [Test]
    public async Task Receive_ThousandsOfFramesInOneWrite_EachArrivesInOrder(CancellationToken cancellationToken)
    {
        (FakeWebSocketPeer peer, ILoadSocket socket, RecordingSink sink, _) = await OpenAsync(cancellationToken);
        await using (peer)
        await using (socket)
        {
            // ~400 KB: several of the loop's 64 KiB reads, so frames straddle the end of its buffer.
            const int Count = 3000;
            byte[] all = [.. Enumerable.Range(0, Count).SelectMany(i => FakeWebSocketPeer.Text($"{{\"id\":{i},\"pad\":\"{new string('p', 100 + (i % 50))}\"}}"))];
            await peer.WriteAsync(all, cancellationToken);

            string[] received = await sink.WaitForAsync(Count, cancellationToken);
            Assert.That(received.Select(r => r[..r.IndexOf(',', StringComparison.Ordinal)]), Is.EqualTo(Enumerable.Range(0, Count).Select(i => $"{{\"id\":{i}")));
        }
    }

    [Test]
    public async Task Receive_ManyMessages_LoopThreadAllocatesNothingPerMessage(CancellationToken cancellationToken)
    {
        (FakeWebSocketPeer peer, ILoadSocket socket, RecordingSink sink, _) = await OpenAsync(cancellationToken);
        await using (peer)
        await using (socket)
        {
            sink.KeepText = false;
            byte[] frame = FakeWebSocketPeer.Text("""{"type":"message","room":"r1","id":1,"text":"0000000000000000001 xxxx"}""");
            for (int round = 0; round < 3; round++)
            {
                // One write of 500 frames, then another: the loop reads, parses and calls the sink on its own thread.
                await peer.WriteAsync([.. Enumerable.Repeat(frame, 500).SelectMany(f => f)], cancellationToken);
                await sink.WaitForAsync(500 * (round + 1), cancellationToken);
            }

            // Allocated by the loop thread between the sink's first and last call of the last round (after warm-up).
            Assert.That(sink.AllocatedDuringLastRound(500), Is.Zero);
        }
    }

    [Test]
    public async Task Receive_Ping_IsAnsweredWithAPongCarryingItsPayload(CancellationToken cancellationToken)
    {
        (FakeWebSocketPeer peer, ILoadSocket socket, _, _) = await OpenAsync(cancellationToken);
        await using (peer)
        await using (socket)
        {
            await peer.WriteAsync(FakeWebSocketPeer.Frame(0x9, "abc"u8), cancellationToken);
            (int opcode, byte[] payload) = await peer.ReadFrameAsync(cancellationToken);
            Assert.That(opcode, Is.EqualTo(0xA));
            Assert.That(payload, Is.EqualTo("abc"u8.ToArray()));
        }
    }

    [Test]
    public async Task SendText_FromTwoThreadsAtOnce_ServerReadsWholeMaskedFrames(CancellationToken cancellationToken)
    {
        (FakeWebSocketPeer peer, ILoadSocket socket, _, _) = await OpenAsync(cancellationToken);
        await using (peer)
        await using (socket)
        {
            const int PerThread = 200;
            byte[] a = Encoding.UTF8.GetBytes(new string('a', 300)), b = Encoding.UTF8.GetBytes(new string('b', 40));
            await Task.WhenAll(
                Task.Run(async () => { for (int i = 0; i < PerThread; i++) await socket.SendTextAsync(a, cancellationToken); }, cancellationToken),
                Task.Run(async () => { for (int i = 0; i < PerThread; i++) await socket.SendTextAsync(b, cancellationToken); }, cancellationToken));

            int seenA = 0, seenB = 0;
            for (int i = 0; i < 2 * PerThread; i++)
            {
                (int opcode, byte[] payload) = await peer.ReadFrameAsync(cancellationToken);
                Assert.That(opcode, Is.EqualTo(0x1));
                if (payload.SequenceEqual(a)) seenA++;
                else if (payload.SequenceEqual(b)) seenB++;
                else Assert.Fail($"a frame of {payload.Length} bytes is neither message: frames interleaved");
            }

            Assert.That((seenA, seenB), Is.EqualTo((PerThread, PerThread)));
        }
    }

    [Test]
    public async Task ServerClose_IsAnsweredAndTheLoopEndsNormallyAtTheServersFin(CancellationToken cancellationToken)
    {
        (FakeWebSocketPeer peer, ILoadSocket socket, _, Task loop) = await OpenAsync(cancellationToken);
        await using (peer)
        await using (socket)
        {
            await peer.WriteAsync(FakeWebSocketPeer.Frame(0x8, [0x03, 0xE9]), cancellationToken);   // 1001 going away
            (int opcode, byte[] payload) = await peer.ReadFrameAsync(cancellationToken);
            Assert.That(opcode, Is.EqualTo(0x8));
            Assert.That(payload, Is.EqualTo(new byte[] { 0x03, 0xE9 }), "the close echoes the server's code (RFC 6455 §5.5.1)");
            Assert.That(loop.IsCompleted, Is.False, "the client waits for the server to close TCP first (§7.1.1)");

            peer.Close();
            await loop.WaitAsync(Wait, cancellationToken);
            Assert.That(loop.IsCompletedSuccessfully, Is.True);
        }
    }

    [Test]
    public async Task CloseAsync_SendsACloseAndTheLoopEndsWhenTheServerAnswers(CancellationToken cancellationToken)
    {
        (FakeWebSocketPeer peer, ILoadSocket socket, _, Task loop) = await OpenAsync(cancellationToken);
        await using (peer)
        await using (socket)
        {
            await socket.CloseAsync(cancellationToken);
            (int opcode, byte[] payload) = await peer.ReadFrameAsync(cancellationToken);
            Assert.That((opcode, payload), Is.EqualTo((0x8, new byte[] { 0x03, 0xE8 })));
            Assert.That(async () => await socket.SendTextAsync("x"u8.ToArray(), cancellationToken), Throws.InvalidOperationException);

            await peer.WriteAsync(FakeWebSocketPeer.Frame(0x8, [0x03, 0xE8]), cancellationToken);
            peer.Close();
            await loop.WaitAsync(Wait, cancellationToken);
            Assert.That(loop.IsCompletedSuccessfully, Is.True);
        }
    }

    [Test]
    public async Task Receive_MaskedFrameFromTheServer_FailsTheLoopWithProtocolError(CancellationToken cancellationToken)
    {
        (FakeWebSocketPeer peer, ILoadSocket socket, RecordingSink sink, Task loop) = await OpenAsync(cancellationToken);
        await using (peer)
        await using (socket)
        {
            await peer.WriteAsync(FakeWebSocketPeer.Frame(0x1, "hi"u8, masked: true), cancellationToken);   // RFC 6455 §5.1: servers never mask
            (int opcode, byte[] payload) = await peer.ReadFrameAsync(cancellationToken);
            Assert.That((opcode, payload), Is.EqualTo((0x8, new byte[] { 0x03, 0xEA })), "1002 protocol error");
            Assert.That(async () => await loop.WaitAsync(Wait, cancellationToken), Throws.InstanceOf<IOException>());
            Assert.That(sink.Count, Is.Zero);
            Assert.That(await peer.ReadToEndAsync(cancellationToken), Is.True, "the client closed its socket");
        }
    }

    [Test]
    public async Task Dispose_WhileOpen_EndsTheLoopAndClosesTheSocket(CancellationToken cancellationToken)
    {
        (FakeWebSocketPeer peer, ILoadSocket socket, _, Task loop) = await OpenAsync(cancellationToken);
        await using (peer)
        {
            await socket.DisposeAsync();
            Assert.That(async () => await loop.WaitAsync(Wait, cancellationToken), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(await peer.ReadToEndAsync(cancellationToken), Is.True);
            Assert.That(async () => await socket.SendTextAsync("x"u8.ToArray(), cancellationToken), Throws.InstanceOf<ObjectDisposedException>());
        }
    }

    [TestCase(401)]
    [TestCase(426)]
    public async Task Connect_UpgradeRefused_ThrowsWithTheStatus(int status, CancellationToken cancellationToken)
    {
        await using var peer = FakeWebSocketPeer.Listen();
        Task accept = peer.AcceptAsync(cancellationToken, status);
        HandshakeRejectedException? e = Assert.ThrowsAsync<HandshakeRejectedException>(async () => await _factory.ConnectAsync(peer.Url, null, cancellationToken));
        Assert.That(e!.Status, Is.EqualTo(status));
        await accept;
    }

    [Test]
    public async Task Connect_NothingListening_ThrowsConnectionRefused(CancellationToken cancellationToken)
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        SocketException? e = Assert.ThrowsAsync<SocketException>(async () => await _factory.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws"), null, cancellationToken));
        Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
    }

    [Test]
    public async Task Connect_ServerNeverAnswers_IsCancelledByTheToken(CancellationToken cancellationToken)
    {
        await using var peer = FakeWebSocketPeer.Listen();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<ILoadSocket> connect = _factory.ConnectAsync(peer.Url, null, cancel.Token);
        await peer.AcceptSilentlyAsync(cancellationToken);
        await cancel.CancelAsync();
        Assert.That(async () => await connect.WaitAsync(Wait, cancellationToken), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await peer.ReadToEndAsync(cancellationToken), Is.True, "the half-open socket was closed");
    }

    [Test]
    public async Task Connect_FromASourceAddress_BindsIt(CancellationToken cancellationToken)
    {
        await using var peer = FakeWebSocketPeer.Listen();
        Task accept = peer.AcceptAsync(cancellationToken);
        await using ILoadSocket socket = await _factory.ConnectAsync(peer.Url, IPAddress.Parse("127.0.0.3"), cancellationToken);
        await accept;
        Assert.That(peer.RemoteAddress, Is.EqualTo(IPAddress.Parse("127.0.0.3")));
    }

    private async Task<(FakeWebSocketPeer Peer, ILoadSocket Socket, RecordingSink Sink, Task Loop)> OpenAsync(CancellationToken cancellationToken)
    {
        var peer = FakeWebSocketPeer.Listen();
        Task accept = peer.AcceptAsync(cancellationToken);
        ILoadSocket socket = await _factory.ConnectAsync(peer.Url, null, cancellationToken);
        await accept;
        var sink = new RecordingSink();
        return (peer, socket, sink, socket.ReceiveLoopAsync(sink, cancellationToken));
    }

    /// <summary>Keeps what the loop hands over, and the loop thread's allocation counter at each call.</summary>
    private sealed class RecordingSink : IMessageSink
    {
        private readonly ConcurrentQueue<string> _messages = new();
        private readonly long[] _allocated = new long[10_000];   // made up front: the sink itself allocates nothing per call
        private int _count;

        public bool KeepText { get; set; } = true;

        public int Count => Volatile.Read(ref _count);

        public void OnMessage(ReadOnlySpan<byte> utf8)
        {
            // One loop thread calls this, one message at a time.
            if (_count < _allocated.Length) _allocated[_count] = GC.GetAllocatedBytesForCurrentThread();
            if (KeepText) _messages.Enqueue(Encoding.UTF8.GetString(utf8));
            Interlocked.Increment(ref _count);
        }

        public async Task<string[]> WaitForAsync(int count, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Wait);
            while (Count < count) await Task.Delay(5, timeout.Token);
            return [.. _messages];
        }

        /// <summary>Bytes the loop thread allocated between the first and the last of the last <paramref name="round"/> calls.</summary>
        public long AllocatedDuringLastRound(int round) => _allocated[Count - 1] - _allocated[Count - round];
    }
}
