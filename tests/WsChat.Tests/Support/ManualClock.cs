namespace WsChat.Tests.Support;

/// <summary>A <see cref="TimeProvider"/> whose timestamps move only when the test says so (timers stay real).</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks = 1_000_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
