using System.Net.Sockets;
using System.Text;
using WsChat.Net.Diagnostics;
using WsChat.Net.Transport;
using WsChat.Net.Transport.Epoll;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>
/// The request-head timeout (PROTOCOL.md §5: 408) blames the client only when the client is late. In a churn run on
/// a starved machine (load average ~70) thousands of upgrades got 408 although the loadgen writes its whole head
/// right after connecting: the server's loop had not read it within 10 s. Here the loop is left out (a connection
/// whose loop never runs stands for a starved one) and the timer's deadline handler is called directly.
/// </summary>
[TestFixture(SocketEngine.Managed)]
[TestFixture(SocketEngine.Epoll)]
[CancelAfter(20_000)]
public class HeadTimeoutTests(SocketEngine engine)
{
    [Test]
    public async Task OnDeadline_CompleteHeadUnread_NoResponseAndDeadlineDeferred(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start();
        (Socket client, ConnectionSocket accepted) = await ConnectPairAsync(ct);
        using (client)
        {
            var connection = new WebSocketConnection(server.Server, accepted);   // its loop is never started
            client.Send(Encoding.ASCII.GetBytes(RawClient.UpgradeRequest("/echo")));
            await WaitUntilAvailableAsync(accepted, ct);

            connection.OnDeadline();

            Assert.That(connection.Phase, Is.EqualTo(ConnectionPhase.Handshaking), "still waiting for its loop, no 408");
            Assert.That(server.Server.Metrics.HeadTimeoutsDeferredTotal, Is.EqualTo(1));
            Assert.That(server.Server.Metrics.RejectedByStatus(TransportMetrics.StatusSlot(408)), Is.Zero);
            Assert.That(accepted.Peek(new byte[16]), Is.GreaterThan(0), "the head was only peeked at, not consumed");
        }
    }

    [TestCase("GET /echo HTTP/1.1\r\nHost: x\r\n")]                    // headers not finished
    [TestCase("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r")]   // one byte short
    [TestCase("")]                                                      // nothing at all
    public async Task OnDeadline_HeadNotFinished_Answers408(string partial, CancellationToken ct)
    {
        await using TestServer server = TestServer.Start();
        (Socket client, ConnectionSocket accepted) = await ConnectPairAsync(ct);
        using (client)
        {
            var connection = new WebSocketConnection(server.Server, accepted);
            if (partial.Length > 0)
            {
                client.Send(Encoding.ASCII.GetBytes(partial));
                await WaitUntilAvailableAsync(accepted, ct);
            }

            connection.OnDeadline();

            Assert.That(connection.Phase, Is.EqualTo(ConnectionPhase.Lingering));
            Assert.That(server.Server.Metrics.HeadTimeoutsDeferredTotal, Is.Zero);
            byte[] response = new byte[64];
            int read = await client.ReceiveAsync(response, SocketFlags.None, ct);
            Assert.That(Encoding.ASCII.GetString(response, 0, read), Does.StartWith("HTTP/1.1 408 "));
        }
    }

    // A second listener stands in for the server's accept loop, so the accepted socket has no loop reading it; the
    // connection is attached to the test server (its slot table and options) by hand, on the fixture's engine.
    private async Task<(Socket Client, ConnectionSocket Accepted)> ConnectPairAsync(CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, ct);
        if (engine == SocketEngine.Epoll) return (client, AcceptEpoll(listener));
        Socket accepted = await listener.AcceptAsync(ct);
        accepted.Blocking = false;      // as the server's accept loop leaves it
        return (client, new ManagedConnectionSocket(accepted));
    }

    private static unsafe ConnectionSocket AcceptEpoll(Socket listener)
    {
        if (!EpollEngine.IsSupported) Assert.Ignore("The epoll engine needs Linux (x64, arm64).");
        // The client is connected, so this blocking accept4 returns at once; flags as EpollListener passes them.
        int fd = LinuxNative.accept4((int)listener.SafeHandle.DangerousGetHandle(), null, null, LinuxNative.SOCK_NONBLOCK | LinuxNative.SOCK_CLOEXEC);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"accept4: errno {LinuxNative.Errno}");
        EpollConnectionSocket? socket = EpollConnectionSocket.Register(EpollEngine.Shared, fd, receiveOnEventThread: false, out int errno);
        Assert.That(socket, Is.Not.Null, $"epoll_ctl: errno {errno}");
        return socket!;
    }

    private static async Task WaitUntilAvailableAsync(ConnectionSocket socket, CancellationToken ct)
    {
        byte[] peeked = new byte[1];
        while (socket.Peek(peeked) <= 0) await Task.Delay(5, ct);
    }
}
