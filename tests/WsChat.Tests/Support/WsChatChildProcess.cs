using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace WsChat.Tests.Support;

/// <summary>
/// wschat started with raw command-line arguments (usually <c>--WsChat:Port=0</c>), for tests of the process itself:
/// exit codes, signals, log lines. Its stdout and stderr are collected line by line and its port is read from the
/// "listening on" line it logs. Tests that only need a running server use <see cref="WsChatProcess"/>.
/// </summary>
internal sealed partial class WsChatChildProcess : IDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);   // a cold JIT on a loaded 2-core CI box

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(string Text, TaskCompletionSource Logged)> _awaitedLines = [];
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WsChatChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The process's id, for signals.</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every line written so far, stdout and stderr interleaved as they arrived.</summary>
    public string[] Lines
    {
        get { lock (_lines) return [.. _lines]; }
    }

    /// <summary>The lines so far as one text, for failure messages.</summary>
    public string Output => string.Join('\n', Lines);

    /// <summary>Starts wschat.dll with <paramref name="args"/>, the simple console log format and the test secret.</summary>
    public static WsChatChildProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(WsChatProcess.ServerAssembly);
        foreach (string arg in args) info.ArgumentList.Add(arg);
        info.Environment["Logging__Console__FormatterName"] = "simple";
        // The server refuses to start without a JWT secret of at least 32 bytes (PROTOCOL.md §5).
        info.Environment["WSCHAT_JWTSECRET"] = TestTokens.Secret;
        return new WsChatChildProcess(Process.Start(info)!);
    }

    /// <summary>The port from the "listening on" line, once it is logged.</summary>
    public Task<int> ListeningPortAsync(CancellationToken ct) => _port.Task.WaitAsync(StartTimeout, ct);

    /// <summary>Completes once a line containing <paramref name="text"/> has been logged.</summary>
    public Task WaitForLineAsync(string text, TimeSpan timeout, CancellationToken ct)
    {
        var logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.Exists(line => line.Contains(text, StringComparison.Ordinal))) return Task.CompletedTask;
            _awaitedLines.Add((text, logged));
        }

        return logged.Task.WaitAsync(timeout, ct);
    }

    /// <summary>SIGTERM, as systemd or Kubernetes would send; true if the signal was delivered.</summary>
    public bool SendSigTerm() => kill(_process.Id, SigTerm) == 0;

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    /// <summary>Kills the process if it still runs and waits for it to exit: then every line it wrote has been read.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync(CancellationToken.None);
    }

    /// <summary>Kills the process if it still runs (a failed test must not leave it behind).</summary>
    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        Match port = ListeningLine().Match(line);
        if (port.Success) _port.TrySetResult(int.Parse(port.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        lock (_lines)
        {
            _lines.Add(line);
            foreach ((string text, TaskCompletionSource logged) in _awaitedLines)
                if (line.Contains(text, StringComparison.Ordinal)) logged.TrySetResult();
        }
    }

    // Lazy: a JSON-formatted line goes on without a space after the endpoint.
    [GeneratedRegex(@"listening on [^ ]+?:(\d+)")]
    private static partial Regex ListeningLine();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
