using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using WsChat.Net.Buffers;
using WsChat.Net.Transport;
using WsChat.Net.Transport.Epoll;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>
/// A fan-out's inline sends on a thread with a send batch (a chat shard) go to the kernel as one io_uring submission
/// of fixed-file sends (SendBatch, SendRing, FixedSockets); where that is off or impossible they use send() as
/// before. Real loopback sockets on the epoll engine; a machine whose kernel refuses io_uring ignores the tests that
/// need a ring (the fallback tests still run).
/// </summary>
[CancelAfter(60_000)]
public class SendBatchTests
{
    [Test]
    public async Task FanOut_IdleConnections_CollectedThenSentInOneSubmission(CancellationToken ct)
    {
        await using Fixture f = await Fixture.StartAsync(20, new WebSocketServerOptions(), ct);
        using var thread = new BatchThread();
        SharedFrame frame = Numbered(1, 64);
        int refsInside = 0;
        long outboundInside = 0;

        await thread.Run(() =>
        {
            using (SendBatch.Open())
            {
                foreach (WebSocketConnection c in f.Connections) Assert.That(c.TrySend(frame.AddRef()), Is.True);
                refsInside = frame.RefCount;
                outboundInside = f.Connections.Sum(c => c.OutboundBytes);
            }
        });

        RequireRing(thread);
        Assert.That(refsInside, Is.EqualTo(21), "collected: every connection still holds its reference");
        Assert.That(outboundInside, Is.EqualTo(20L * frame.Bytes.Length), "collected, not yet handed to the kernel");
        Assert.That(thread.Batch!.Submissions, Is.EqualTo(1));
        Assert.That(thread.Batch.BatchedSends, Is.EqualTo(20));
        Assert.That(frame.RefCount, Is.EqualTo(1), "every connection released its reference after the submission");
        Assert.That(f.Connections.Sum(c => c.OutboundBytes), Is.Zero);
        foreach (RawClient client in f.Clients) AssertNumbered(await client.ReceiveFrameAsync(ct), 1, 64);
        frame.Release();
    }

    [Test]
    public async Task FanOut_TwoFramesInOneScope_OneSubmissionPerFrameInOrder(CancellationToken ct)
    {
        await using Fixture f = await Fixture.StartAsync(6, new WebSocketServerOptions(), ct);
        using var thread = new BatchThread();
        SharedFrame first = Numbered(1, 100), second = Numbered(2, 300);

        await thread.Run(() =>
        {
            using SendBatch.Scope scope = SendBatch.Open();
            for (int i = 0; i < 3; i++) f.Connections[i].TrySend(first.AddRef());
            for (int i = 3; i < 6; i++) f.Connections[i].TrySend(second.AddRef());
            // 0-2: their first went out when the frame changed, so this joins the second submission; 3-5 are still in
            // it (sender role held): queued behind, sent by the connection's queued sender afterwards.
            for (int i = 0; i < 6; i++) f.Connections[i].TrySend(second.AddRef());
        });

        RequireRing(thread);
        Assert.That(thread.Batch!.Submissions, Is.EqualTo(2));
        Assert.That(thread.Batch.BatchedSends, Is.EqualTo(9));
        for (int i = 0; i < 3; i++)
        {
            AssertNumbered(await f.Clients[i].ReceiveFrameAsync(ct), 1, 100);
            AssertNumbered(await f.Clients[i].ReceiveFrameAsync(ct), 2, 300);
        }

        for (int i = 3; i < 6; i++)
        {
            AssertNumbered(await f.Clients[i].ReceiveFrameAsync(ct), 2, 300);
            AssertNumbered(await f.Clients[i].ReceiveFrameAsync(ct), 2, 300);
        }

        await WebSocketServerTests.WaitUntil(() => first.RefCount == 1 && second.RefCount == 1, ct);
        first.Release();
        second.Release();
    }

    [Test]
    public async Task FanOut_IoUringSendsOff_EachFrameSentWithSendAtOnce(CancellationToken ct)
    {
        await using Fixture f = await Fixture.StartAsync(5, new WebSocketServerOptions { IoUringSends = false }, ct);
        using var thread = new BatchThread();
        SharedFrame frame = Numbered(3, 64);
        List<int> refsAfterEach = await FanOutRecordingRefsAsync(thread, f, frame);

        Assert.That(refsAfterEach, Is.All.EqualTo(1), "sent (and released) before TrySend returned");
        Assert.That(thread.Batch!.HasRing, Is.False);
        Assert.That(thread.Batch.Submissions, Is.Zero);
        foreach (RawClient client in f.Clients) AssertNumbered(await client.ReceiveFrameAsync(ct), 3, 64);
        frame.Release();
    }

    [Test]
    public async Task FanOut_RingSetupRefused_FallsBackToSend(CancellationToken ct)
    {
        await using Fixture f = await Fixture.StartAsync(5, new WebSocketServerOptions(), ct);
        using var thread = new BatchThread(ringEntries: 0);   // io_uring_setup(0 entries): EINVAL from the kernel
        SharedFrame frame = Numbered(4, 64);
        List<int> refsAfterEach = await FanOutRecordingRefsAsync(thread, f, frame);

        Assert.That(thread.Batch!.HasRing, Is.False);
        Assert.That(thread.Batch.Submissions, Is.Zero);
        Assert.That(refsAfterEach, Is.All.EqualTo(1), "sent with send() before TrySend returned");
        foreach (RawClient client in f.Clients) AssertNumbered(await client.ReceiveFrameAsync(ct), 4, 64);
        frame.Release();
    }

    [Test]
    public async Task FanOut_KernelBufferFills_PartialRestThenLaterFramesArriveInOrderBeforeClose(CancellationToken ct)
    {
        await using Fixture f = await Fixture.StartAsync(1, new WebSocketServerOptions { MaxOutboundBytes = 256L * 1024 * 1024 }, ct);
        WebSocketConnection connection = f.Connections[0];
        using var thread = new BatchThread();
        var sizes = new List<int>();
        int afterFull = -1;

        // The client does not read: batched sends complete until the socket buffers are full; the one the kernel takes
        // part of (or none of) keeps the sender role for its rest, and every later frame queues behind it.
        await thread.Run(() =>
        {
            var random = new Random(7);
            while (afterFull < 50)
            {
                int size = random.Next(2) == 0 ? random.Next(4_097, 70_000) : random.Next(4, 300);
                SharedFrame frame = Numbered(sizes.Count, size);
                using (SendBatch.Open()) Assert.That(connection.TrySend(frame), Is.True, "under the 256 MiB bound");
                sizes.Add(size);
                if (afterFull >= 0) afterFull++;
                else if (connection.OutboundBytes > 0) afterFull = 0;
                Assert.That(sizes.Count, Is.LessThan(100_000), "the kernel's buffers should have filled long before");
            }
        });

        RequireRing(thread);
        Assert.That(thread.Batch!.BatchedSends, Is.GreaterThan(0));
        connection.Close(WebSocketCloseCode.NormalClosure, "done");
        (RawFrame close, List<RawFrame> before) = await f.Clients[0].ReceiveUntilCloseAsync(ct);

        Assert.That(before, Has.Count.EqualTo(sizes.Count), "every frame arrived before the close frame");
        for (int i = 0; i < before.Count; i++) AssertNumbered(before[i], i, sizes[i]);
        Assert.That(close.CloseCode, Is.EqualTo(1000));
    }

    [Test]
    public async Task FanOut_FailedAndDisposedSocketsInBatch_TheyFailOthersDelivered(CancellationToken ct)
    {
        await using Fixture f = await Fixture.StartAsync(4, new WebSocketServerOptions(), ct);
        using var thread = new BatchThread();
        SharedFrame frame = Numbered(5, 64);

        // 1: our side shut down, so its send fails with EPIPE inside the submission; 2: disposed before the fan-out
        // (not batched: the usual path finds it closed).
        int fd = ((EpollConnectionSocket)f.Connections[1].Socket).Fd;
        Assert.That(LinuxNative.shutdown(fd, LinuxNative.SHUT_WR), Is.Zero);
        f.Connections[2].Socket.Dispose();

        await thread.Run(() =>
        {
            using SendBatch.Scope scope = SendBatch.Open();
            foreach (WebSocketConnection c in f.Connections) c.TrySend(frame.AddRef());
        });

        RequireRing(thread);
        Assert.That(thread.Batch!.BatchedSends, Is.EqualTo(3), "0, 1 and 3 went through the ring");
        AssertNumbered(await f.Clients[0].ReceiveFrameAsync(ct), 5, 64);
        AssertNumbered(await f.Clients[3].ReceiveFrameAsync(ct), 5, 64);
        await WebSocketServerTests.WaitUntil(() => f.Connections[1].State == WebSocketConnectionState.Closed && f.Connections[2].State == WebSocketConnectionState.Closed, ct);
        Assert.That(frame.RefCount, Is.EqualTo(1), "the failed connections released their references");
        frame.Release();
    }

    [Test]
    public async Task Close_WhileRingsHoldTheSocket_SocketReallyClosed(CancellationToken ct)
    {
        await using Fixture f = await Fixture.StartAsync(2, new WebSocketServerOptions(), ct);
        using var thread = new BatchThread();
        SharedFrame frame = Numbered(6, 64);
        await thread.Run(() =>
        {
            using SendBatch.Scope scope = SendBatch.Open();
            foreach (WebSocketConnection c in f.Connections) c.TrySend(frame.AddRef());
        });

        RequireRing(thread);
        foreach (RawClient client in f.Clients) AssertNumbered(await client.ReceiveFrameAsync(ct), 6, 64);

        // The ring's file table holds the socket while it lives; closing the connection must take it out, or close()
        // would leave the socket open: FIN (from shutdown) but no RST for data sent after it.
        f.Connections[0].Abort();
        Assert.That(await f.Clients[0].ReceiveEofAsync(ct), Is.True);
        Assert.That(await ResetAfterSendingAsync(f.Clients[0].Socket, ct), Is.True, "the server's socket is closed: data after its FIN is answered with a reset");
        AssertNumbered(await SendAgainAsync(thread, f.Connections[1], f.Clients[1], ct), 7, 64);
        frame.Release();
    }

    [Test]
    public async Task FanOut_Steady_AllocatesNothingOnTheShardThread(CancellationToken ct)
    {
        await using Fixture f = await Fixture.StartAsync(20, new WebSocketServerOptions(), ct);
        using var thread = new BatchThread();
        SharedFrame frame = Numbered(8, 100);
        long allocated = -1;

        for (int round = 0; round < 4; round++)
        {
            bool measure = round == 3;   // rounds 0-2 warm up (JIT, the ring, the counters)
            await thread.Run(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                using (SendBatch.Open())
                {
                    foreach (WebSocketConnection c in f.Connections) c.TrySend(frame.AddRef());
                }

                if (measure) allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            foreach (RawClient client in f.Clients) AssertNumbered(await client.ReceiveFrameAsync(ct), 8, 100);
        }

        RequireRing(thread);
        Assert.That(thread.Batch!.Submissions, Is.EqualTo(4));
        Assert.That(allocated, Is.Zero);
        frame.Release();
    }

    private static async Task<RawFrame?> SendAgainAsync(BatchThread thread, WebSocketConnection connection, RawClient client, CancellationToken ct)
    {
        SharedFrame frame = Numbered(7, 64);
        await thread.Run(() =>
        {
            using SendBatch.Scope scope = SendBatch.Open();
            connection.TrySend(frame);
        });
        return await client.ReceiveFrameAsync(ct);
    }

    /// <summary>Sends a byte every 50 ms until the peer (which sent its FIN) answers with a reset (true) or 10 s pass (false).</summary>
    private static async Task<bool> ResetAfterSendingAsync(Socket socket, CancellationToken ct)
    {
        byte[] one = [0x81];
        byte[] sink = new byte[64];
        for (int i = 0; i < 200; i++)
        {
            try
            {
                socket.Send(one);
                await Task.Delay(50, ct);
                socket.Receive(sink);   // after the FIN: 0 at once, or the reset
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One fan-out of <paramref name="frame"/> to every connection on the batch thread; the frame's reference
    /// count after each TrySend (1 = that send went out, and released its reference, before TrySend returned).</summary>
    private static async Task<List<int>> FanOutRecordingRefsAsync(BatchThread thread, Fixture f, SharedFrame frame)
    {
        var refsAfterEach = new List<int>();
        await thread.Run(() =>
        {
            using SendBatch.Scope scope = SendBatch.Open();
            foreach (WebSocketConnection c in f.Connections)
            {
                c.TrySend(frame.AddRef());
                refsAfterEach.Add(frame.RefCount);
            }
        });
        return refsAfterEach;
    }

    private static void RequireRing(BatchThread thread)
    {
        if (!thread.Batch!.HasRing) Assert.Ignore("io_uring is not available to this process (old kernel, kernel.io_uring_disabled, seccomp).");
    }

    /// <summary>A binary frame of <paramref name="size"/> bytes: its index, then bytes derived from index and position.</summary>
    private static SharedFrame Numbered(int index, int size)
    {
        SharedFrame frame = SharedFrame.Rent(size);
        Span<byte> span = frame.GetSpan(size)[..size];
        BinaryPrimitives.WriteInt32BigEndian(span, index);
        for (int i = 4; i < size; i++) span[i] = (byte)(index * 31 + i);
        frame.Advance(size);
        frame.Seal(WebSocketOpcode.Binary);
        return frame;
    }

    private static void AssertNumbered(RawFrame? received, int index, int size)
    {
        Assert.That(received, Is.Not.Null, $"frame {index} arrived");
        RawFrame frame = received!.Value;
        Assert.That(frame.Payload.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(frame.Payload) : -1, Is.EqualTo(index), "frame order");
        Assert.That(frame.Payload.Length, Is.EqualTo(size), $"frame {index} length");
        for (int i = 4; i < size; i++)
        {
            if (frame.Payload[i] != (byte)(index * 31 + i)) Assert.Fail($"frame {index}: byte {i} differs");
        }
    }

    /// <summary>A thread with a send batch, like a chat shard's: runs the actions given to it, in order.</summary>
    private sealed class BatchThread : IDisposable
    {
        private readonly BlockingCollection<(Action Action, TaskCompletionSource Done)> _work = new();
        private readonly Thread _thread;
        private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public BatchThread(uint ringEntries = SendRing.Entries)
        {
            _thread = new Thread(() =>
            {
                using SendBatch? batch = SendBatch.Attach(ringEntries);
                Batch = batch;
                _attached.SetResult();
                foreach ((Action action, TaskCompletionSource done) in _work.GetConsumingEnumerable())
                {
                    try
                    {
                        action();
                        done.SetResult();
                    }
                    catch (Exception e)
                    {
                        done.SetException(e);
                    }
                }
            }) { IsBackground = true, Name = "test send batch" };
            _thread.Start();
            _attached.Task.Wait();
            if (Batch is null) Assert.Ignore("Send batches need the epoll engine's platform (Linux x64, arm64).");
        }

        public SendBatch? Batch { get; private set; }

        public Task Run(Action action)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _work.Add((action, done));
            return done.Task;
        }

        public void Dispose()
        {
            _work.CompleteAdding();
            _thread.Join();
            _work.Dispose();
        }
    }

    /// <summary>An epoll server with <c>n</c> upgraded raw clients and their server-side connections, in order.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private readonly TestServer _server;

        private Fixture(TestServer server, List<RawClient> clients, List<WebSocketConnection> connections)
        {
            _server = server;
            Clients = clients;
            Connections = connections;
        }

        public List<RawClient> Clients { get; }

        public List<WebSocketConnection> Connections { get; }

        public static async Task<Fixture> StartAsync(int n, WebSocketServerOptions options, CancellationToken ct)
        {
            var open = new OpenHandler();
            TestServer server = TestServer.Start(SocketEngine.Epoll, options, s => s.MapWebSocket("/open", open));
            var clients = new List<RawClient>();
            var connections = new List<WebSocketConnection>();
            for (int i = 0; i < n; i++)
            {
                clients.Add(await RawClient.UpgradeAsync(server.EndPoint, "/open", ct));
                connections.Add(await open.Opened.Reader.ReadAsync(ct));
            }

            return new Fixture(server, clients, connections);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (RawClient client in Clients) client.Dispose();
            await _server.DisposeAsync();
        }
    }

    private sealed class OpenHandler : IWebSocketHandler
    {
        public System.Threading.Channels.Channel<WebSocketConnection> Opened { get; } = System.Threading.Channels.Channel.CreateUnbounded<WebSocketConnection>();

        public UpgradeDecision OnUpgrade(HttpRequest request) => UpgradeDecision.Accept();

        public void OnOpen(WebSocketConnection connection) => Opened.Writer.TryWrite(connection);

        public void OnMessage(WebSocketConnection connection, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
        {
        }

        public void OnClose(WebSocketConnection connection, WebSocketCloseCode code)
        {
        }
    }
}
