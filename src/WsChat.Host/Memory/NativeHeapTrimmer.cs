using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace WsChat.Host.Memory;

/// <summary>
/// Every <c>WsChat:Memory:TrimCheckInterval</c>, gives glibc's free malloc memory back to the operating system
/// (<c>malloc_trim(0)</c>) when <see cref="NativeTrimPolicy"/> says a burst is over: the native side of what
/// <see cref="Gen2Compactor"/> does for the managed heap, like Go's scavenger or the JVM's periodic trim. A steady
/// server never trims (it allocates nothing); a connection storm is followed by one trim.
/// </summary>
internal sealed partial class NativeHeapTrimmer : BackgroundService
{
    private readonly NativeTrimPolicy _policy;
    private readonly TimeSpan _interval;
    private readonly Func<ProcessActivity> _read;
    private readonly Func<bool> _trim;
    private readonly ILogger _logger;
    // Zero before the first check: what the process allocated while starting counts as a burst.
    private ProcessActivity _lastCheck, _lastTrim;

    /// <param name="policy">When to trim.</param>
    /// <param name="interval">Time between checks.</param>
    /// <param name="logger">Says each trim at Debug.</param>
    /// <param name="read">The activity counters (<see cref="ProcessActivity.Current"/> outside tests).</param>
    /// <param name="trim">The trim, returning whether memory was released (<see cref="Glibc.TrimFreeMemory"/> outside tests).</param>
    public NativeHeapTrimmer(NativeTrimPolicy policy, TimeSpan interval, ILogger logger, Func<ProcessActivity>? read = null, Func<bool>? trim = null)
    {
        _policy = policy;
        _interval = interval;
        _logger = logger;
        _read = read ?? ProcessActivity.Current;
        _trim = trim ?? Glibc.TrimFreeMemory;
    }

    /// <summary>Trims this instance ran.</summary>
    public long Trims { get; private set; }

    /// <summary>One check: trims when the policy says so. Returns whether it trimmed. Called by the timer only (not
    /// thread-safe against itself).</summary>
    public bool Check()
    {
        ProcessActivity now = _read();
        long inInterval = now.AllocatedBytes - _lastCheck.AllocatedBytes;
        long sinceTrim = now.AllocatedBytes - _lastTrim.AllocatedBytes;
        int gen2 = now.Gen2Collections - _lastTrim.Gen2Collections;
        _lastCheck = now;
        if (!_policy.ShouldTrim(inInterval, sinceTrim, gen2)) return false;
        long started = Stopwatch.GetTimestamp();
        bool released = _trim();
        Trims++;
        _lastTrim = now;
        LogTrimmed(_logger, sinceTrim >> 10, gen2, released, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) Check();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Trimmed the malloc heap after {AllocatedKb} KiB allocated and {Gen2} gen2 collections: released {Released}, {Micros} µs")]
    private static partial void LogTrimmed(ILogger logger, long allocatedKb, int gen2, bool released, long micros);
}
