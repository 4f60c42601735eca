using WsChat.Net.Transport;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>
/// <see cref="WebSocketServerOptions.MaxConnections"/>: past the cap a new connection gets a 503 and is closed, so the
/// process never reaches its open-files limit (where the runtime itself failed: "Out of memory.", the host gone;
/// docs/benchmarks.md "19,000 on one process").
/// </summary>
[CancelAfter(30_000)]
[TestFixture(SocketEngine.Managed)]
[TestFixture(SocketEngine.Epoll)]
public class ConnectionLimitTests(SocketEngine engine)
{
    [Test]
    public async Task MaxConnections_AtTheCapServed_PastIt503AndClosed_FreedSlotServesAgain(CancellationToken ct)
    {
        await using TestServer server = TestServer.Start(engine, new WebSocketServerOptions { MaxConnections = 3, HeartbeatInterval = TimeSpan.Zero });
        var open = new List<RawClient>();
        try
        {
            for (int i = 0; i < 3; i++) open.Add(await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct));   // at the cap: served

            // One past the cap: answered at accept, before it sends anything (so the close is a FIN, not a reset).
            using (RawClient refused = await RawClient.ConnectAsync(server.EndPoint, ct))
            {
                string answer = await refused.ReadToEndAsync(ct);
                Assert.That(answer, Does.StartWith("HTTP/1.1 503 "), answer);
            }

            Assert.That(server.Server.ConnectionCount, Is.EqualTo(3));
            await open[0].SendTextAsync("still served", ct);
            Assert.That((await open[0].ReceiveFrameAsync(ct))!.Value.Text, Is.EqualTo("still served"));

            open[0].Dispose();
            open.RemoveAt(0);
            await WebSocketServerTests.WaitUntil(() => server.Server.ConnectionCount == 2, ct);
            open.Add(await RawClient.UpgradeAsync(server.EndPoint, "/echo", ct));   // a slot came free
            Assert.That(server.Server.ConnectionCount, Is.EqualTo(3));
        }
        finally
        {
            foreach (RawClient c in open) c.Dispose();
        }
    }
}

/// <summary>The default cap: the open-files limit less a reserve.</summary>
public class ConnectionLimitDefaultTests
{
    [TestCase(20_000, 170, 19_205)]   // issue 5's machine, the host's ~170 open: 625 kept back, room for 19,000
    [TestCase(1_024, 0, 896)]          // the usual default limit: the 128-descriptor floor
    [TestCase(300, 166, 6)]            // the host at 300 open files, where the cap once was 172 and EMFILE came first
    [TestCase(1_048_576, 0, 1_047_552)]   // a raised limit: the 1,024-descriptor ceiling
    [TestCase(100, 50, 1)]             // smaller than the reserve: one connection, never none
    public void FromOpenFilesLimit_LeavesWhatIsOpenAndAReserve(long openFiles, int openNow, int expected) =>
        Assert.That(ConnectionLimit.FromOpenFilesLimit(openFiles, openNow), Is.EqualTo(expected));

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(long.MaxValue)]
    public void FromOpenFilesLimit_UnknownOrUnlimited_NoCap(long openFiles) =>
        Assert.That(ConnectionLimit.FromOpenFilesLimit(openFiles, 10), Is.EqualTo(int.MaxValue));

    [Test]
    public void Resolve_Configured_WinsOverTheLimit() => Assert.That(ConnectionLimit.Resolve(7), Is.EqualTo(7));

    [Test]
    public void Options_NegativeMaxConnections_Refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new WebSocketServer(new WebSocketServerOptions { MaxConnections = -1 }));
}
