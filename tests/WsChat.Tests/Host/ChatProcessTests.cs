using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host;

/// <summary>The real wschat process and the chat: /ws, the token command, the secret check, SIGTERM → 1001 → exit 0.</summary>
[CancelAfter(90_000)]
public class ChatProcessTests
{
    [Test]
    public async Task Process_WithoutSecret_RefusesToStartWithAClearMessage(CancellationToken ct)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(WsChatProcess.ServerAssembly);
        info.ArgumentList.Add("--WsChat:Port=0");
        info.ArgumentList.Add("--WsChat:JwtSecret=too-short");
        using Process process = Process.Start(info)!;
        string error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.That(process.ExitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("JwtSecret").And.Contain("32 bytes"));
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task Process_StorageUnreachablePastItsStartTimeout_RetriesThenExitsOneWithAClearLine(CancellationToken ct)
    {
        // A PostgreSQL port where nothing listens: every attempt is refused at once.
        int deadPort = FreeTcpPort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(WsChatProcess.ServerAssembly);
        info.ArgumentList.Add("--WsChat:Address=127.0.0.1");
        info.ArgumentList.Add("--WsChat:Port=0");
        info.ArgumentList.Add("--WsChat:JwtSecret=" + TestTokens.Secret);
        info.ArgumentList.Add($"--WsChat:Storage:PostgresConnectionString=Host=127.0.0.1;Port={deadPort};Username=nobody;Timeout=2");
        info.ArgumentList.Add("--WsChat:Storage:StartTimeoutMs=2500");
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(ct);
        string error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.Multiple(async () =>
        {
            Assert.That(process.ExitCode, Is.EqualTo(1));
            Assert.That(error, Does.Contain("wschat: could not start:"));
            Assert.That(await output, Does.Contain("Storage not reachable at start (attempt 1)"), "each attempt is logged");
        });
    }

    private static int FreeTcpPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Test]
    public async Task TokenCommand_MintsATokenTheServerAccepts_AndSigTermCloses1001ExitsZero(CancellationToken ct)
    {
        string token = await RunTokenCommandAsync(ct, "--user", "u42", "--name", "Ada");
        Assert.That(token.Split('.'), Has.Length.EqualTo(3));

        using var wschat = WsChatChildProcess.Start("--WsChat:Address=127.0.0.1", "--WsChat:Port=0");
        int p = await wschat.ListeningPortAsync(ct);
        var clients = new List<ChatTestClient>();
        for (int i = 0; i < 3; i++)
        {
            ChatTestClient client = await ChatTestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{p}/ws?token={token}"), ct);
            JsonElement welcome = await client.ExpectAsync("welcome", ct);
            Assert.That((welcome.GetProperty("user_id").GetString(), welcome.GetProperty("username").GetString()), Is.EqualTo(("u42", "Ada")));
            clients.Add(client);
        }

        await clients[0].SendAsync("""{"type":"join","room":"lobby"}""", ct);
        await clients[0].ExpectAsync("joined", ct);
        Assert.That(wschat.SendSigTerm(), Is.True);
        foreach (ChatTestClient client in clients)
        {
            await client.Closed.WaitAsync(ct);
            Assert.That(client.CloseStatus, Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable));
            await client.DisposeAsync();
        }

        await wschat.WaitForExitAsync(ct);
        Assert.That(wschat.ExitCode, Is.Zero, wschat.Output);
    }

    private static async Task<string> RunTokenCommandAsync(CancellationToken ct, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(WsChatProcess.ServerAssembly);
        info.ArgumentList.Add("token");
        foreach (string arg in args) info.ArgumentList.Add(arg);
        info.Environment["WSCHAT_JWTSECRET"] = TestTokens.Secret;
        using Process process = Process.Start(info)!;
        string output = await process.StandardOutput.ReadToEndAsync(ct);
        string error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.That(process.ExitCode, Is.Zero, error);
        return output.Trim();
    }
}
