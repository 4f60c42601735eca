using WsChat.Core.Diagnostics;

namespace WsChat.Host.Metrics;

/// <summary>
/// Message rate per room for <c>/stats</c>, from the rooms' message totals: the growth since a
/// baseline snapshot divided by the time since it. The baseline moves to the newest snapshot once it
/// is at least <see cref="MinWindow"/> old, so a dashboard polling every few seconds sees rates over
/// its polling interval, and a person who looks once sees the rate since the previous look (since
/// start, the first time). A room created after the baseline counts all its messages in the window.
/// </summary>
/// <remarks>Thread-safe (one lock; /stats is not a hot path).</remarks>
internal sealed class RoomRateTracker(TimeProvider time)
{
    /// <summary>The shortest window a rate is computed over; shorter polls reuse the older baseline.</summary>
    public static readonly TimeSpan MinWindow = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private Dictionary<string, long> _baseline = new(StringComparer.Ordinal);
    private long _baselineTimestamp = time.GetTimestamp();

    /// <summary>Messages per second of each room (same order as <paramref name="rooms"/>).</summary>
    public double[] Update(IReadOnlyList<RoomStat> rooms)
    {
        lock (_lock)
        {
            long now = time.GetTimestamp();
            double seconds = time.GetElapsedTime(_baselineTimestamp, now).TotalSeconds;
            var rates = new double[rooms.Count];
            for (int i = 0; i < rooms.Count; i++)
            {
                long before = _baseline.TryGetValue(rooms[i].Name, out long total) ? total : 0;
                // A room recreated (total below the baseline) starts again from zero.
                long grown = rooms[i].MessagesTotal >= before ? rooms[i].MessagesTotal - before : rooms[i].MessagesTotal;
                rates[i] = seconds > 0 ? grown / seconds : 0;
            }

            if (seconds >= MinWindow.TotalSeconds)
            {
                var next = new Dictionary<string, long>(rooms.Count, StringComparer.Ordinal);
                foreach (RoomStat room in rooms) next[room.Name] = room.MessagesTotal;
                _baseline = next;
                _baselineTimestamp = now;
            }

            return rates;
        }
    }
}
