using System.Net;
using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host;

/// <summary>The real wschat process's log output: JSON lines when configured, connection closes at Debug, and a
/// token given in the query string never printed.</summary>
[CancelAfter(60_000)]
public class LogOutputTests
{
    private const string Secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.bm90LWEtcmVhbC1zaWduYXR1cmU";

    [Test]
    public async Task JsonDebugLogs_ConnectionWithTokenInQuery_TokenNeverAppearsAndCloseIsLogged(CancellationToken ct)
    {
        using var wschat = WsChatChildProcess.Start("--WsChat:Address=127.0.0.1", "--WsChat:Port=0", "--WsChat:Echo:Enabled=true",
            "--Logging:Console:FormatterName=json", "--Logging:LogLevel:Default=Debug", "--Logging:LogLevel:Microsoft=Warning");
        try
        {
            var endPoint = new IPEndPoint(IPAddress.Loopback, await wschat.ListeningPortAsync(ct));
            using (RawClient c = await RawClient.UpgradeAsync(endPoint, "/echo?room=a&token=" + Secret, ct))
            {
                await c.SendAsync(RawClient.CloseFrame(1000), ct);
                await c.ReceiveUntilCloseAsync(ct);
            }

            // The same secret as a bearer header on a plain request: headers are never logged either.
            using (RawClient h = await RawClient.ConnectAsync(endPoint, ct))
            {
                await h.SendAsync($"GET /healthz?access_token={Secret} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {Secret}\r\n\r\n", ct);
                await h.ReadToEndAsync(ct);
            }

            await wschat.WaitForLineAsync("closed with 1000", TimeSpan.FromSeconds(20), ct);
        }
        finally
        {
            await wschat.KillAsync();
        }

        string[] output = wschat.Lines;
        string all = string.Join('\n', output);
        Assert.Multiple(() =>
        {
            Assert.That(all, Does.Not.Contain(Secret));
            Assert.That(all, Does.Contain("token=***"));
            Assert.That(all, Does.Contain("access_token=***"));
            Assert.That(all, Does.Contain("closed with 1000"));
        });

        // The JSON console formatter writes one object per line; every line is one.
        foreach (string line in output.Where(l => l.Length > 0))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            Assert.That(doc.RootElement.TryGetProperty("LogLevel", out _), Is.True, line);
        }

        JsonElement closed = output.Select(l => JsonDocument.Parse(l).RootElement).First(e => e.GetProperty("Message").GetString()!.Contains("closed with 1000", StringComparison.Ordinal));
        Assert.That(closed.GetProperty("LogLevel").GetString(), Is.EqualTo("Debug"));
    }
}
