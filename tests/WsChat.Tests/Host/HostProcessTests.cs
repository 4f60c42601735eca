using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using WsChat.Tests.EndToEnd;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host;

/// <summary>The real wschat process: configuration from the command line, /echo, /readyz, and SIGTERM → drain → exit 0.</summary>
[CancelAfter(60_000)]
public partial class HostProcessTests
{
    private const int SigTerm = 15;

    [Test]
    public async Task Process_SigTerm_EveryClientGets1001AndExitCodeIsZero(CancellationToken ct)
    {
        using Process process = StartWschat("--WsChat:Address=127.0.0.1", "--WsChat:Port=0", "--WsChat:Echo:Enabled=true");
        var output = new StringBuilder();
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            Match m = ListeningLine().Match(e.Data);
            if (m.Success) port.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (output) output.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            int p = await port.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            var endPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, p);
            var clients = new List<ClientWebSocket>();
            for (int i = 0; i < 3; i++)
            {
                var ws = new ClientWebSocket();
                await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{p}/echo"), ct);
                await ws.SendAsync(Encoding.UTF8.GetBytes($"hello {i}"), WebSocketMessageType.Text, true, ct);
                (_, byte[] echoed) = await ClientWebSocketInteropTests.ReceiveMessageAsync(ws, ct);
                Assert.That(Encoding.UTF8.GetString(echoed), Is.EqualTo($"hello {i}"));
                clients.Add(ws);
            }

            Assert.That(await Get(endPoint, "/readyz", ct), Does.StartWith("HTTP/1.1 200 "));
            Assert.That(kill(process.Id, SigTerm), Is.Zero);

            for (int i = 0; i < clients.Count; i++)
            {
                WebSocketReceiveResult result = await clients[i].ReceiveAsync(new byte[64], ct);
                Assert.That(result.CloseStatus, Is.EqualTo(WebSocketCloseStatus.EndpointUnavailable), $"client {i}");
                // While a connection still owes its close reply, the server is draining: /readyz says 503.
                if (i == 0) Assert.That(await Get(endPoint, "/readyz", ct), Does.StartWith("HTTP/1.1 503 "));
                await clients[i].CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, ct);
            }

            await process.WaitForExitAsync(ct);
            Assert.That(process.ExitCode, Is.Zero, Output(output));
            foreach (ClientWebSocket ws in clients) ws.Dispose();
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    [Test]
    public async Task Process_EchoNotEnabled_EchoAnswers404AndHealthz200(CancellationToken ct)
    {
        using Process process = StartWschat("--WsChat:Address=127.0.0.1", "--WsChat:Port=0");
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            Match m = ListeningLine().Match(e.Data ?? "");
            if (m.Success) port.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        };
        process.BeginOutputReadLine();
        try
        {
            var endPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, await port.Task.WaitAsync(TimeSpan.FromSeconds(30), ct));
            Assert.That(await Get(endPoint, "/healthz", ct), Does.StartWith("HTTP/1.1 200 "));
            using RawClient c = await RawClient.ConnectAsync(endPoint, ct);
            await c.SendAsync(RawClient.UpgradeRequest("/echo"), ct);
            Assert.That(await c.ReadToEndAsync(ct), Does.StartWith("HTTP/1.1 404 "));
            Assert.That(kill(process.Id, SigTerm), Is.Zero);
            await process.WaitForExitAsync(ct);
            Assert.That(process.ExitCode, Is.Zero);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    internal static Process StartWschat(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(WschatDll());
        foreach (string arg in args) info.ArgumentList.Add(arg);
        info.Environment["Logging__Console__FormatterName"] = "simple";
        // The server refuses to start without a JWT secret of at least 32 bytes (PROTOCOL.md §5).
        info.Environment["WSCHAT_JWTSECRET"] = TestTokens.Secret;
        return Process.Start(info)!;
    }

    /// <summary>The built wschat.dll of the same configuration as this test assembly (src/WsChat.Host/bin/…).</summary>
    internal static string WschatDll()
    {
        string testBin = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);   // …/tests/WsChat.Tests/bin/Release/net10.0
        string configuration = new DirectoryInfo(testBin).Parent!.Name;
        string tfm = new DirectoryInfo(testBin).Name;
        DirectoryInfo? root = new(testBin);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "WsChat.sln"))) root = root.Parent;
        string dll = Path.Combine(root!.FullName, "src", "WsChat.Host", "bin", configuration, tfm, "wschat.dll");
        Assert.That(File.Exists(dll), Is.True, dll);
        return dll;
    }

    private static async Task<string> Get(System.Net.IPEndPoint endPoint, string path, CancellationToken ct)
    {
        using RawClient c = await RawClient.ConnectAsync(endPoint, ct);
        await c.SendAsync($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n", ct);
        return await c.ReadToEndAsync(ct);
    }

    private static string Output(StringBuilder output)
    {
        lock (output) return output.ToString();
    }

    [GeneratedRegex(@"wschat listening on [^ ]+:(\d+)")]
    private static partial Regex ListeningLine();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
