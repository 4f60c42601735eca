using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using WsChat.LoadGen.Reporting;

namespace WsChat.LoadGen.Workers;

/// <summary>
/// A child loadgen process holding a share of the connections (<c>--workers</c>): each process stays
/// under its open-files limit, and the coordinator adds up what they report.
/// </summary>
internal sealed class RemoteNodeClient : INodeClient
{
    private readonly Process _process;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private RemoteNodeClient(Process process) => _process = process;

    public int ProcessId => _process.Id;

    /// <summary>Starts this program again with the same arguments plus the worker's index.</summary>
    public static RemoteNodeClient Start(string[] args, int index, int count)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };

        // Run as `dotnet loadgen.dll`: pass the assembly to the host again.
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(RemoteNodeClient).Assembly.Location);
        }

        foreach (string arg in WithoutCoordinatorOptions(args)) start.ArgumentList.Add(arg);
        start.ArgumentList.Add("--worker-index");
        start.ArgumentList.Add(index.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--worker-count");
        start.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--quiet");
        return new RemoteNodeClient(Process.Start(start) ?? throw new InvalidOperationException("could not start a worker"));
    }

    // The coordinator alone writes files and samples the server.
    private static IEnumerable<string> WithoutCoordinatorOptions(string[] args)
    {
        string[] dropWithValue = ["--json", "--plot", "--server-pid", "--workers", "--label"];
        for (int i = 0; i < args.Length; i++)
        {
            if (dropWithValue.Contains(args[i])) { i++; continue; }
            yield return args[i];
        }
    }

    public Task<SetupReport> SetupAsync(CancellationToken cancellationToken) => AskAsync("setup", LoadGenJson.Default.SetupReport, cancellationToken);

    public async Task SetRateAsync(double totalRate, bool measuring, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteLineAsync(FormattableString.Invariant($"rate {totalRate} {(measuring ? 1 : 0)}")).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task<IntervalReport> IntervalAsync(CancellationToken cancellationToken) => AskAsync("interval", LoadGenJson.Default.IntervalReport, cancellationToken);

    public Task<FinishReport> FinishAsync(CancellationToken cancellationToken) => AskAsync("finish", LoadGenJson.Default.FinishReport, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        _lock.Dispose();
    }

    private async Task<T> AskAsync<T>(string command, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteLineAsync(command).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            string line = await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new IOException($"worker {_process.Id} exited (code {(_process.HasExited ? _process.ExitCode : -1)})");
            return JsonSerializer.Deserialize(line, type) ?? throw new IOException($"worker {_process.Id} sent '{line}'");
        }
        finally
        {
            _lock.Release();
        }
    }
}
