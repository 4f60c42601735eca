using System.Text;
using WsChat.Net.Transport;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>
/// What an open, idle connection keeps alive on the epoll engine, counted as retained managed bytes after a full GC
/// (never timing). The clients are bare descriptors (<see cref="DescriptorClient"/>), so only the server's objects are
/// in the figure: <c>WebSocketConnection</c> (120 B), <c>EpollConnectionSocket</c> (64 B), a slot (40 B) and the fd
/// table's 8 B. Issue 5 took out, per idle connection, the parked async receive loop (a 160-byte state machine), the
/// reader and receive buffer kept inline (64 B) and the socket's two inline awaiter cores (64 B net).
/// </summary>
[CancelAfter(120_000)]
[NonParallelizable]
public class IdleRetainedMemoryTests
{
    private const int Connections = 1000;
    private const int MaxAttempts = 3;

    // Below this a batch cannot have been measured alone: WebSocketConnection, EpollConnectionSocket and a slot are
    // 224 B without the fd table's share.
    private const int ObjectsFloor = 200;

    [Test]
    public async Task IdleConnection_Epoll_RetainsNoParkedStateMachine_AndStillEchoes(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(SocketEngine.Epoll, new WebSocketServerOptions { HeartbeatInterval = TimeSpan.Zero });
        byte[] upgrade = Encoding.ASCII.GetBytes(RawClient.UpgradeRequest("/echo"));
        var fds = new List<int>((MaxAttempts + 1) * Connections + 100);
        try
        {
            // Warm-up: JIT, pools, the first slot-table and fd-table chunks.
            Open(server, upgrade, fds, 100);
            await WebSocketServerTests.WaitUntil(() => server.Server.WebSocketCount == 100, ct);

            // Batch 1 is a warm-up too: run alone, the fixture's first 1,000 read ~535 B each and the next batches
            // ~250 B (one-off growth of the process, which earlier fixtures had paid whenever the whole suite ran).
            // The heap figure is process-wide: memory an earlier fixture left can be freed between two readings and
            // make a batch read less than its own objects, even below zero (seen once in CI: -12,916 B). Such a
            // reading says nothing, so it is taken again with the next batch; one above the bound fails at once.
            long perConnection = 0;
            for (int batch = 1; batch <= 1 + MaxAttempts; batch++)
            {
                long before = await RetainedAsync(ct);
                Open(server, upgrade, fds, Connections);
                int expectedCount = 100 + batch * Connections;
                await WebSocketServerTests.WaitUntil(() => server.Server.WebSocketCount == expectedCount, ct);
                perConnection = (await RetainedAsync(ct) - before) / Connections;
                TestContext.Out.WriteLine($"retained per idle connection (batch {batch}): {perConnection} B");
                if (batch == 1) continue;
                // 241-253 B measured (232 B of objects); any one of the three cuts undone adds 64-160 B.
                Assert.That(perConnection, Is.LessThan(290));
                if (perConnection >= ObjectsFloor) break;
            }

            Assert.That(perConnection, Is.GreaterThanOrEqualTo(ObjectsFloor),
                $"every batch read less than the connection's own objects: the measurement was disturbed {MaxAttempts} times");

            // Parked without a task, every connection still wakes up for a message after its idle time.
            byte[] frame = RawClient.Frame(0x1, "after a long idle"u8.ToArray());
            byte[] echo = new byte[64];
            int expected = frame.Length - 4;   // the server's frame: the same without the mask
            for (int i = 0; i < fds.Count; i += 37)
            {
                DescriptorClient.SendAll(fds[i], frame);
                int got = DescriptorClient.ReceiveUntil(fds[i], echo, b => b.Length >= expected);
                Assert.That(Encoding.UTF8.GetString(echo, 2, got - 2), Is.EqualTo("after a long idle"));
            }
        }
        finally
        {
            foreach (int fd in fds) DescriptorClient.Close(fd);
        }

        // Closed by the peer while parked: the callback runs, and every connection cleans up.
        await WebSocketServerTests.WaitUntil(() => server.Server.ConnectionCount == 0, ct);
        Assert.That(server.Server.WebSocketCount, Is.Zero);
    }

    private static void Open(TestServer server, byte[] upgrade, List<int> fds, int count)
    {
        byte[] response = new byte[512];
        for (int i = 0; i < count; i++)
        {
            int fd = DescriptorClient.Connect(server.EndPoint);
            fds.Add(fd);
            DescriptorClient.SendAll(fd, upgrade);
            DescriptorClient.ReceiveUntil(fd, response, b => b.EndsWith("\r\n\r\n"u8));
        }
    }

    /// <summary>Live managed bytes once the connections have parked (their handshake garbage collected).</summary>
    private static async Task<long> RetainedAsync(CancellationToken ct)
    {
        await Task.Delay(300, ct);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
