using System.Diagnostics;
using System.Runtime.InteropServices;

namespace WsChat.Core.Limits;

/// <summary>
/// A token bucket (PROTOCOL.md §5): <c>burst</c> tokens at most, refilled at <c>rate</c> per second; each
/// command takes one. Per user 20/s burst 40 (message, dm, typing); per connection 100/s burst 200.
/// </summary>
/// <remarks>
/// Time is a <see cref="Stopwatch.GetTimestamp"/> value passed in, so the owner reads the clock once per batch
/// and tests need no sleeping. Not thread-safe and lock-free by design: one owner (the shard that owns the
/// user, or the connection's read loop) calls it. A mutable struct: keep it in a field and call it there,
/// never on a copy. 32 bytes.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
internal struct TokenBucket
{
    // Marks a bucket never used: the first call starts it full at that time.
    private const long Unstarted = long.MinValue;

    private readonly double _tokensPerTick;
    private readonly int _burst;
    private double _tokens;
    private long _lastTicks;

    /// <param name="ratePerSecond">Tokens added per second; more than zero.</param>
    /// <param name="burst">Capacity, and the tokens available at the start; at least one.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public TokenBucket(double ratePerSecond, int burst)
    {
        if (!(ratePerSecond > 0) || double.IsInfinity(ratePerSecond)) throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "The rate must be a positive number of tokens per second.");
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _tokensPerTick = ratePerSecond / Stopwatch.Frequency;
        _burst = burst;
        _tokens = burst;
        _lastTicks = Unstarted;
    }

    /// <summary>True once constructed with a rate (a <c>default</c> bucket refuses everything).</summary>
    public readonly bool IsConfigured => _burst > 0;

    /// <summary>Tokens available now (after the last call); for tests and metrics.</summary>
    public readonly double Available => _tokens;

    /// <summary>Takes one token if there is one.</summary>
    /// <param name="nowTicks">Current <see cref="Stopwatch.GetTimestamp"/>; a value earlier than the last call adds nothing.</param>
    /// <param name="retryAfterMs">On refusal, milliseconds until a token is available (at least 1), for
    /// <c>retry_after_ms</c>; 0 on success.</param>
    public bool TryTake(long nowTicks, out int retryAfterMs)
    {
        Refill(nowTicks);
        if (_tokens >= 1)
        {
            _tokens -= 1;
            retryAfterMs = 0;
            return true;
        }

        if (!IsConfigured)
        {
            retryAfterMs = int.MaxValue;
            return false;
        }

        double ms = Math.Ceiling((1 - _tokens) / _tokensPerTick * 1000 / Stopwatch.Frequency);
        retryAfterMs = ms >= int.MaxValue ? int.MaxValue : Math.Max(1, (int)ms);
        return false;
    }

    private void Refill(long nowTicks)
    {
        if (_lastTicks == Unstarted)
        {
            _lastTicks = nowTicks;
            return;
        }

        long elapsed = nowTicks - _lastTicks;
        if (elapsed <= 0) return;
        _tokens = Math.Min(_burst, _tokens + (elapsed * _tokensPerTick));
        _lastTicks = nowTicks;
    }
}
