using System.Diagnostics;

namespace WsChat.Tests.Support;

/// <summary>
/// A clock whose wall time and timestamps both move only when the test says so. Timers created
/// from it are never started by the chat in tests (they call SessionTimers.Advance themselves, through ChatHarness.AdvanceTime).
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    // Starts at the real time: tokens are validated against the real clock by the JWT library.
    private readonly long _start = DateTimeOffset.UtcNow.UtcTicks;
    private long _ticks;

    public ManualTimeProvider() => _ticks = _start;

    public override long TimestampFrequency => Stopwatch.Frequency;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    // Timestamps in Stopwatch units (rate buckets take those), counted from the start so they cannot overflow.
    public override long GetTimestamp() => (long)((Interlocked.Read(ref _ticks) - _start) * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond));

    public long NowMs => GetUtcNow().ToUnixTimeMilliseconds();

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
