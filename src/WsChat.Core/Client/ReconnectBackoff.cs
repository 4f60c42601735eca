namespace WsChat.Core.Client;

/// <summary>
/// Exponential backoff with "full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015): attempt
/// <c>n</c> (0-based) sleeps a uniformly random time in [0, min(cap, base × 2^n)). Of the variants compared there
/// it spreads a crowd of clients best and finishes their work soonest: after a server restart every client lost
/// its connection at the same instant, and equal waits would bring them back at the same instant again.
/// </summary>
/// <remarks>Not thread-safe (the <see cref="System.Random"/> is not): one client's connection loop uses it.</remarks>
internal sealed class ReconnectBackoff
{
    private readonly long _baseTicks;
    private readonly long _capTicks;
    private readonly Random _random;

    public ReconnectBackoff(TimeSpan initial, TimeSpan max, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        _baseTicks = initial.Ticks;
        _capTicks = max.Ticks;
        _random = random;
    }

    /// <summary>The upper bound of attempt <paramref name="attempt"/>'s sleep: min(cap, base × 2^attempt), without overflow.</summary>
    public TimeSpan Ceiling(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        // base × 2^attempt > cap ⇔ base > cap >> attempt; checked that way round, nothing overflows at any attempt.
        if (attempt >= 63 || _baseTicks > _capTicks >> attempt) return TimeSpan.FromTicks(_capTicks);
        return TimeSpan.FromTicks(_baseTicks << attempt);
    }

    /// <summary>A sleep for attempt <paramref name="attempt"/> (0 for the first retry): random in [0, <see cref="Ceiling"/>).</summary>
    public TimeSpan NextDelay(int attempt) => TimeSpan.FromTicks((long)(_random.NextDouble() * Ceiling(attempt).Ticks));
}
