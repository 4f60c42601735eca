using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using WsChat.Net.Client;
using WsChat.Net.WebSockets;

namespace WsChat.Benchmarks;

/// <summary>
/// Measures what an idle WebSocket connection costs the server: starts the real wschat process (echo on, heartbeat
/// off), warms it up, reads its RSS, opens N idle /echo connections from this process, and reads its RSS again
/// (/proc/PID/status VmRSS). With --gcdump, also dumps the server's heap (dotnet-gcdump) to show what holds the bytes.
/// Run: dotnet run -c Release --project benchmarks/WsChat.Benchmarks -- idle-memory [--connections 10000] [--gcdump]
/// </summary>
internal static partial class IdleMemory
{
    public static async Task<int> RunAsync(string[] args)
    {
        int connections = 10_000;
        bool gcdump = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--connections") connections = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--gcdump") gcdump = true;
        }

        using Process server = StartServer(out int port);
        try
        {
            var uri = new Uri($"ws://127.0.0.1:{port}/echo");
            // Warm-up: JIT, pools, the first chunk of the slot table, thread pool threads.
            List<WebSocketClient> warm = await OpenAsync(uri, 500, 0);
            foreach (WebSocketClient c in warm)
            {
                await c.SendAsync(WebSocketOpcode.Text, "warm"u8.ToArray());
                await c.ReceiveAsync();
            }

            foreach (WebSocketClient c in warm) await c.CloseAsync();
            await Task.Delay(3000);
            long baseline = ReadRssKiB(server.Id);
            Console.WriteLine($"server pid {server.Id}, baseline VmRSS {baseline} KiB");

            var stopwatch = Stopwatch.StartNew();
            List<WebSocketClient> clients = await OpenAsync(uri, connections, 1);
            Console.WriteLine($"opened {clients.Count} idle connections in {stopwatch.Elapsed.TotalSeconds:F1} s");
            await Task.Delay(5000);
            long held = ReadRssKiB(server.Id);
            Console.WriteLine($"holding: VmRSS {held} KiB; growth {held - baseline} KiB = {(held - baseline) * 1024.0 / clients.Count:F0} bytes per connection");

            if (gcdump)
            {
                string file = Path.Combine(Path.GetTempPath(), $"wschat-idle-{server.Id}.gcdump");
                Run("dotnet-gcdump", $"collect -p {server.Id} -o {file}");
                Console.WriteLine(Run("dotnet-gcdump", $"report {file}"));
                long afterGc = ReadRssKiB(server.Id);
                Console.WriteLine($"after the gcdump's full GC: VmRSS {afterGc} KiB; growth {afterGc - baseline} KiB = {(afterGc - baseline) * 1024.0 / clients.Count:F0} bytes per connection");
            }

            foreach (WebSocketClient c in clients) await c.DisposeAsync();
            return 0;
        }
        finally
        {
            if (!server.HasExited) server.Kill();
        }
    }

    private static async Task<List<WebSocketClient>> OpenAsync(Uri uri, int count, int addressOffset)
    {
        var clients = new List<WebSocketClient>(count);
        const int batch = 200;
        for (int i = 0; i < count; i += batch)
        {
            var tasks = new List<Task<WebSocketClient>>();
            for (int j = i; j < Math.Min(count, i + batch); j++)
            {
                // 127.0.0.2, .3, …: 5000 connections per source address keeps far from the ephemeral port limit.
                var options = new WebSocketClientOptions { LocalAddress = IPAddress.Parse($"127.0.0.{2 + addressOffset + j / 5000}") };
                tasks.Add(WebSocketClient.ConnectAsync(uri, options).AsTask());
            }

            clients.AddRange(await Task.WhenAll(tasks));
        }

        return clients;
    }

    private static Process StartServer(out int port)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "wschat.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { dll, "--WsChat:Address=127.0.0.1", "--WsChat:Port=0", "--WsChat:Echo:Enabled=true", "--WsChat:HeartbeatInterval=00:00:00", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:WsChat.Host=Information" })
        {
            info.ArgumentList.Add(a);
        }

        Process process = Process.Start(info)!;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            Match m = Listening().Match(line);
            if (!m.Success) continue;
            port = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            _ = process.StandardOutput.ReadToEndAsync();   // keep draining its output
            return process;
        }

        throw new InvalidOperationException("wschat did not start");
    }

    private static long ReadRssKiB(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }

        return 0;
    }

    private static string Run(string tool, string arguments)
    {
        string path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", tool);
        var info = new ProcessStartInfo(File.Exists(path) ? path : tool, arguments) { RedirectStandardOutput = true, UseShellExecute = false };
        using Process p = Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    [GeneratedRegex(@"wschat listening on [^ ]+:(\d+)")]
    private static partial Regex Listening();
}
