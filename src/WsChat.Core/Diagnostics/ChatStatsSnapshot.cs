using WsChat.Net.Diagnostics;

namespace WsChat.Core.Diagnostics;

/// <summary>What <c>/stats</c> needs from the chat beyond the counters: every room, and the ages of the
/// open connections, captured by each shard on its own loop (so no table is read from another thread).</summary>
/// <remarks>Shards may fill one snapshot concurrently: <see cref="AddRooms"/> and
/// <see cref="AddConnectionAge"/> are thread-safe.</remarks>
internal sealed class ChatStatsSnapshot
{
    private readonly List<RoomStat> _rooms = [];
    private long _oldest;

    /// <summary>Every room added so far. Read it after every shard has answered.</summary>
    public IReadOnlyList<RoomStat> Rooms => _rooms;

    /// <summary>Ages of the open authenticated connections, in seconds, bucketed by <see cref="HistogramBuckets.AgeSeconds"/>.</summary>
    public FixedHistogram ConnectionAges { get; } = new(HistogramBuckets.AgeSeconds);

    /// <summary>Age in seconds of the oldest open connection (0 with none).</summary>
    public long OldestConnectionSeconds => Volatile.Read(ref _oldest);

    /// <summary>Adds a shard's rooms. Thread-safe.</summary>
    public void AddRooms(IEnumerable<RoomStat> rooms)
    {
        lock (_rooms) _rooms.AddRange(rooms);
    }

    /// <summary>Adds one open connection's age. Thread-safe.</summary>
    public void AddConnectionAge(TimeSpan age)
    {
        long seconds = Math.Max(0, (long)age.TotalSeconds);
        ConnectionAges.RecordShared(seconds);
        long oldest = Volatile.Read(ref _oldest);
        while (seconds > oldest)
        {
            long seen = Interlocked.CompareExchange(ref _oldest, seconds, oldest);
            if (seen == oldest) break;
            oldest = seen;
        }
    }
}
