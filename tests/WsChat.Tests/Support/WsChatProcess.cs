using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace WsChat.Tests.Support;

/// <summary>
/// The real wschat executable (the Host's wschat.dll) as a child process on a loopback port,
/// with its own data folder, so that end-to-end tests can stop and start it like an operator would.
/// </summary>
internal sealed partial class WsChatProcess : IAsyncDisposable
{
    private readonly string[] _arguments;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private WsChatProcess(int port, string dataDirectory, string[] extraArguments)
    {
        Port = port;
        DataDirectory = dataDirectory;
        _arguments =
        [
            ServerAssembly,
            "--WsChat:Address=127.0.0.1",
            $"--WsChat:Port={port}",
            .. extraArguments,
        ];
    }

    /// <summary>The secret test servers sign tokens with (public: tests only).</summary>
    public const string TestSecret = "wschat-e2e-tests-secret-0123456789abcdef";

    /// <summary>Development mode (a name is enough to sign in: <c>/dev/token</c>) with <see cref="TestSecret"/>.</summary>
    public static readonly string[] DevelopmentArguments = ["--WsChat:Development:Enabled=true", "--WsChat:JwtSecret=" + TestSecret];

    /// <summary>wschat.dll in the Host's own build output (same configuration as the tests), not the copy next to
    /// the tests: the test project also references ASP.NET Core (interop tests), so the Microsoft.Extensions
    /// assemblies the Host needs are not copied here.</summary>
    public static string ServerAssembly { get; } = FindServerAssembly();

    private static string FindServerAssembly()
    {
        // AppContext.BaseDirectory is tests/WsChat.Tests/bin/<Configuration>/<tfm>/.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string path = Path.Combine(RepositoryPaths.Root, "src", "WsChat.Host", "bin", output.Parent!.Name, output.Name, "wschat.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build src/WsChat.Host first.", path);
    }

    /// <summary>The port it listens on; the same after a restart, so clients reconnect to the same URL.</summary>
    public int Port { get; }

    /// <summary>A private folder, the working directory of the process (relative data paths land here).</summary>
    public string DataDirectory { get; }

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    /// <summary>Everything the process printed so far (stdout and stderr), for failure messages.</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts wschat on a free loopback port with <paramref name="arguments"/> (command-line configuration,
    /// e.g. <c>--WsChat:Development:Enabled=true</c>) and waits until <c>/readyz</c> answers 200.</summary>
    public static async Task<WsChatProcess> StartAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        string data = Path.Combine(Path.GetTempPath(), "wschat-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(data);
        var server = new WsChatProcess(FreePort(), data, arguments);
        await server.StartAgainAsync(cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>Starts the process (again, after <see cref="StopAsync"/> or <see cref="Kill"/>) and waits until ready.</summary>
    /// <param name="cancellationToken">Abandons the wait for readiness.</param>
    /// <param name="extraArguments">Configuration for this start only, after the fixed arguments (a later
    /// <c>--WsChat:Key=value</c> overrides an earlier one): an operator changing a setting across a restart.</param>
    public async Task StartAgainAsync(CancellationToken cancellationToken, params string[] extraArguments)
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("wschat is already running.");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = DataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        foreach (string argument in _arguments) info.ArgumentList.Add(argument);
        foreach (string argument in extraArguments) info.ArgumentList.Add(argument);
        // The child must not take the test run's own settings (WSCHAT_PORT from a developer's shell, say).
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("WSCHAT_", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The operating system's id of the current (or last) run.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("wschat was never started.");

    /// <summary>The exit code of the last run; null while it runs or before the first start.</summary>
    public int? ExitCode => _process is { HasExited: true } process ? process.ExitCode : null;

    /// <summary>SIGTERM, as systemd or Kubernetes would send: the server drains (close 1001 to everyone,
    /// PROTOCOL.md §5) and exits; waits for the exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        Process? process = _process;
        if (process is null || process.HasExited) return;
        if (SysKill(process.Id, 15) != 0) process.Kill(entireProcessTree: true);
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token).ConfigureAwait(false); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"wschat did not exit within {timeout} of SIGTERM.\n{Output}");
        }
    }

    /// <summary>SIGKILL: a crash. Nothing is drained or flushed beyond what was already durable.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false); }
        catch (TimeoutException) { /* killed */ }
        _process?.Dispose();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        // A cold start of the host (JIT, storage open) on a loaded 2-core machine can take several seconds.
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process!.HasExited) throw new InvalidOperationException($"wschat exited with {_process.ExitCode} while starting.\n{Output}");
            try
            {
                using HttpResponseMessage response = await http.GetAsync(new Uri(BaseUri, "/readyz"), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { /* slow answer */ }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"wschat was not ready within 60 s.\n{Output}");
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    // Port 0 picks a free port; it is released for wschat to bind. The small window in which another process
    // could take it is acceptable for tests, and a fixed port would collide between parallel runs.
    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
