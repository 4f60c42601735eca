using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using WsChat.Net.Transport;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>
/// What an idle connection and a message cost in managed allocations, counted with the GC's allocation counter
/// (never timing). Clients are synchronous raw sockets with preallocated buffers, so they add nothing per message;
/// the socket's own cost is measured with a bare accept loop and subtracted.
/// </summary>
[CancelAfter(60_000)]
[NonParallelizable]
[TestFixture(SocketEngine.Managed)]
[TestFixture(SocketEngine.Epoll)]
public class ConnectionFootprintTests(SocketEngine engine)
{
    private const int Connections = 200;

    [Test]
    public async Task IdleConnection_WhatWsChatAddsToTheSocket_StaysUnder1KiB(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine, new WebSocketServerOptions { HeartbeatInterval = TimeSpan.Zero });
        byte[] upgrade = Encoding.ASCII.GetBytes(RawClient.UpgradeRequest("/echo"));
        // Warm-up: JIT, pools, the first slot-table chunk. Kept referenced: a collected client socket's finalizer
        // closes it, the server drops the connection, and the count below never adds up.
        List<Socket> warm = OpenUpgraded(server.EndPoint, upgrade, 50);
        await WebSocketServerTests.WaitUntil(() => server.Server.WebSocketCount == 50, ct);

        long before = GC.GetTotalAllocatedBytes(precise: true);
        List<Socket> clients = OpenUpgraded(server.EndPoint, upgrade, Connections);
        await WebSocketServerTests.WaitUntil(() => server.Server.WebSocketCount == 50 + Connections, ct);
        await Task.Delay(200, ct);   // every loop parked on its zero-byte receive
        long wschat = (GC.GetTotalAllocatedBytes(precise: true) - before) / Connections;

        long socketOnly = await MeasureBareSocketsAsync(ct);
        TestContext.Out.WriteLine($"allocated per idle connection: wschat {wschat} B, bare accepted socket with a pending receive {socketOnly} B, difference {wschat - socketOnly} B");
        Assert.That(wschat - socketOnly, Is.LessThan(1024));
        foreach (Socket c in warm.Concat(clients)) c.Dispose();
    }

    [Test]
    public async Task Echo_SteadyState_AllocatesNothingPerMessage(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine, new WebSocketServerOptions { HeartbeatInterval = TimeSpan.Zero });
        using Socket client = OpenUpgraded(server.EndPoint, Encoding.ASCII.GetBytes(RawClient.UpgradeRequest("/echo")), 1)[0];
        byte[] frame = RawClient.Frame(0x1, Encoding.UTF8.GetBytes("""{"type":"message","room":"general","text":"hello, steady state"}"""));
        byte[] echo = new byte[256];
        // Warm-up: tiered JIT (call-count promotion, then a background recompile), pooled frames and state machines.
        for (int i = 0; i < 3; i++)
        {
            RoundTrips(client, frame, echo, 3000);
            await Task.Delay(300, ct);
        }

        const int messages = 5000;
        long before = GC.GetTotalAllocatedBytes(precise: true);
        RoundTrips(client, frame, echo, messages);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        TestContext.Out.WriteLine($"{allocated} bytes allocated in the whole process over {messages} echoed messages");
        // Zero per message. The counter is process-wide, and the runtime allocates now and then in the background
        // (seen: 2.5-48 KB over 5000 messages, in bursts, not per message); one allocation per message, the smallest
        // object being 24 bytes, would add at least 120 KB and fail this.
        Assert.That(allocated, Is.LessThan(24L * messages));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RoundTrips(Socket client, byte[] frame, byte[] echo, int count)
    {
        int expected = frame.Length - 4;   // the server's frame is the same without the 4 mask bytes
        for (int i = 0; i < count; i++)
        {
            client.Send(frame);
            int got = 0;
            while (got < expected) got += client.Receive(echo, got, expected - got, SocketFlags.None);
        }
    }

    private static List<Socket> OpenUpgraded(IPEndPoint endPoint, byte[] request, int count)
    {
        var sockets = new List<Socket>(count);
        byte[] response = new byte[512];
        for (int i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Connect(endPoint);
            socket.Send(request);
            int got = 0;
            while (got < 4 || !response.AsSpan(0, got).EndsWith("\r\n\r\n"u8)) got += socket.Receive(response, got, response.Length - got, SocketFlags.None);
            sockets.Add(socket);
        }

        return sockets;
    }

    /// <summary>Allocations per connection of the minimum any async socket server does: accept, TCP_NODELAY, and a
    /// pending zero-byte receive.</summary>
    private static async Task<long> MeasureBareSocketsAsync(CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(512);
        var accepted = new List<Socket>(Connections + 50);
        var pending = new List<ValueTask<int>>(Connections + 50);
        int count = 0;
        Task acceptLoop = Task.Run(async () =>
        {
            while (true)
            {
                Socket s;
                try
                {
                    s = await listener.AcceptAsync(ct);
                }
                catch (Exception)
                {
                    return;
                }

                s.NoDelay = true;
                accepted.Add(s);
                pending.Add(s.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None));
                Interlocked.Increment(ref count);
            }
        }, ct);

        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        List<Socket> warm = Connect(endPoint, 50);
        await WebSocketServerTests.WaitUntil(() => Volatile.Read(ref count) == 50, ct);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        List<Socket> clients = Connect(endPoint, Connections);
        await WebSocketServerTests.WaitUntil(() => Volatile.Read(ref count) == 50 + Connections, ct);
        await Task.Delay(200, ct);
        long perConnection = (GC.GetTotalAllocatedBytes(precise: true) - before) / Connections;
        listener.Dispose();
        foreach (Socket s in warm.Concat(clients).Concat(accepted)) s.Dispose();
        return perConnection;
    }

    private static List<Socket> Connect(IPEndPoint endPoint, int count)
    {
        var sockets = new List<Socket>(count);
        for (int i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Connect(endPoint);
            sockets.Add(socket);
        }

        return sockets;
    }
}
