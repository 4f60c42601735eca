using System.Diagnostics;
using System.Runtime.InteropServices;

namespace WsChat.Core.Limits;

/// <summary>
/// Decides when a client "keeps flooding after <c>rate_limited</c>" (PROTOCOL.md §5) and is closed with 1008:
/// when it collects <c>maxRejections</c> rate-limit refusals (default 20) within <c>window</c> (default 10 s)
/// counted from the first refusal of the window.
/// </summary>
/// <remarks>
/// Why these numbers: a client that honours <c>retry_after_ms</c> is refused about once per retry, a handful
/// of times in 10 s; one that ignores it at twice the allowed rate (40/s against 20/s) collects 20 refusals in
/// about a second. A window with no refusal forgets the past. One per connection, counting refusals from both
/// buckets. Single owner, not thread-safe; a mutable struct (keep it in a field). 16 bytes: the window is kept in
/// milliseconds (up to ~24 days) and the counts in 16 bits (a limit past 65,535 counts as 65,535), because there is
/// one per connection (issue 5's idle budget).
/// </remarks>
[StructLayout(LayoutKind.Auto)]
internal struct FloodGuard
{
    /// <summary>Default refusals tolerated within <see cref="DefaultWindow"/>.</summary>
    public const int DefaultMaxRejections = 20;

    /// <summary>Default window, counted from its first refusal.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(10);

    private readonly int _windowMs;
    private readonly ushort _maxRejections;
    private ushort _rejections;
    private long _windowStart;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRejections"/> is below 1 or <paramref name="window"/> not positive.</exception>
    public FloodGuard(int maxRejections, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRejections, 1);
        if (window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        _maxRejections = (ushort)Math.Min(maxRejections, ushort.MaxValue);
        _windowMs = (int)Math.Clamp(Math.Ceiling(window.TotalMilliseconds), 1, int.MaxValue);
    }

    /// <summary>Refusals counted in the current window.</summary>
    public readonly int Rejections => _rejections;

    /// <summary>
    /// Records one rate-limit refusal at <paramref name="nowTicks"/> (<see cref="Stopwatch.GetTimestamp"/>).
    /// True when this refusal reaches the limit: close the connection with 1008.
    /// </summary>
    public bool RecordRejection(long nowTicks)
    {
        long window = (_windowMs > 0 ? _windowMs : (long)DefaultWindow.TotalMilliseconds) * Stopwatch.Frequency / 1000;
        int max = _maxRejections > 0 ? _maxRejections : DefaultMaxRejections;
        if (_rejections == 0 || nowTicks - _windowStart >= window)
        {
            _windowStart = nowTicks;
            _rejections = 0;
        }

        if (_rejections < ushort.MaxValue) _rejections++;
        return _rejections >= max;
    }
}
