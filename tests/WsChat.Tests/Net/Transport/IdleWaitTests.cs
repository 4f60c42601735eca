using System.Text;
using WsChat.Net.Transport;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>
/// An open connection between reads has no task: it armed a readiness callback and gave its reader and buffer back
/// when nothing was half-read (docs/architecture.md "How a connection waits"). These pause between the pieces of
/// what a client sends, so that the connection parks at every awkward point, and check nothing is lost.
/// </summary>
[CancelAfter(30_000)]
[TestFixture(SocketEngine.Managed)]
[TestFixture(SocketEngine.Epoll)]
public class IdleWaitTests(SocketEngine engine)
{
    private const int Pause = 150;   // ms: long enough for the connection to run out of bytes and park

    [Test]
    public async Task FragmentedMessage_PiecesArriveAfterPauses_EchoedWhole(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine);
        using RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct);
        byte[] first = RawClient.Frame(0x1, "parked "u8.ToArray(), fin: false);
        byte[] ping = RawClient.Frame(0x9, "mid-message"u8.ToArray());
        byte[] last = RawClient.Frame(0x0, "mid-message, then woken"u8.ToArray());

        // Parks holding an open message (the reader keeps its reassembly buffer), then a partial frame header, then
        // half a payload: each wait must keep the state it needs.
        await c.SendAsync(first, ct);
        await Task.Delay(Pause, ct);
        await c.SendAsync(ping, ct);   // a control frame between fragments (RFC 6455 §5.4)
        await Task.Delay(Pause, ct);
        await c.SendAsync(last[..1], ct);
        await Task.Delay(Pause, ct);
        await c.SendAsync(last[1..10], ct);
        await Task.Delay(Pause, ct);
        await c.SendAsync(last[10..], ct);

        RawFrame pong = (await c.ReceiveFrameAsync(ct))!.Value;
        Assert.That(pong.Opcode, Is.EqualTo(0xA));
        Assert.That(pong.Text, Is.EqualTo("mid-message"));
        RawFrame echo = (await c.ReceiveFrameAsync(ct))!.Value;
        Assert.That(echo.Opcode, Is.EqualTo(0x1));
        Assert.That(echo.Text, Is.EqualTo("parked mid-message, then woken"));
    }

    [Test]
    public async Task IdleConnection_ManyWakeUps_EachMessageEchoedInOrder(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine);
        using RawClient c = await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct);
        for (int i = 0; i < 20; i++)
        {
            await Task.Delay(i % 4 == 0 ? Pause : 1, ct);   // some messages after a park, some right behind the last
            await c.SendTextAsync($"message {i}", ct);
            RawFrame echo = (await c.ReceiveFrameAsync(ct))!.Value;
            Assert.That(echo.Text, Is.EqualTo($"message {i}"));
        }

        // A close after an idle pause still gets the close handshake and a clean FIN.
        await Task.Delay(Pause, ct);
        await c.SendAsync(RawClient.CloseFrame(1000, "done"), ct);
        (RawFrame close, List<RawFrame> before) = await c.ReceiveUntilCloseAsync(ct);
        Assert.That(close.CloseCode, Is.EqualTo(1000));
        Assert.That(before, Is.Empty);
        Assert.That(await c.ReceiveEofAsync(ct), Is.True);
        await WebSocketServerTests.WaitUntil(() => server.Server.ConnectionCount == 0, ct);
    }

    [Test]
    public async Task ParkedConnections_ServerDisposed_EveryOneEndsAndIsRemoved(CancellationToken ct)
    {
        TestServer server = TestServer.Start(engine);
        var clients = new List<RawClient>();
        try
        {
            for (int i = 0; i < 20; i++) clients.Add(await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct));
            await WebSocketServerTests.WaitUntil(() => server.Server.WebSocketCount == 20, ct);
            await Task.Delay(Pause, ct);   // all parked

            // Dispose aborts every socket: an armed wait fires, the receive fails, and each connection cleans up.
            await server.DisposeAsync();
            await WebSocketServerTests.WaitUntil(() => server.Server.ConnectionCount == 0, ct);
            Assert.That(server.Server.WebSocketCount, Is.Zero);
            foreach (RawClient c in clients)
            {
                Assert.That(await ReadToEndAsync(c, ct), Is.EqualTo("eof").Or.EqualTo("reset"), "the server's end of each socket is gone");
            }
        }
        finally
        {
            foreach (RawClient c in clients) c.Dispose();
        }
    }

    /// <summary>Reads until the stream ends: "eof" (FIN, after any frames) or "reset".</summary>
    private static async Task<string> ReadToEndAsync(RawClient c, CancellationToken ct)
    {
        try
        {
            while (await c.ReceiveFrameAsync(ct) is not null)
            {
            }

            return "eof";
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
        {
            return "reset";
        }
    }
}
