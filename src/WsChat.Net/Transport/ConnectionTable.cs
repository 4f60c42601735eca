using System.Diagnostics.CodeAnalysis;

namespace WsChat.Net.Transport;

/// <summary>
/// Slot table of live connections: a connection's id is its slot plus the slot's generation, and the
/// timer-facing state lives in a <see cref="ConnectionSlot"/> struct here.
/// </summary>
/// <remarks>
/// Slots live in fixed chunks of <see cref="ChunkSize"/> that are allocated on demand and never move, so a
/// <c>ref ConnectionSlot</c> stays valid while other threads add chunks. Allocation and freeing take a lock
/// (once per connection, not per message); reads of slot fields are lock-free and tolerate staleness (the
/// connection re-checks its own state).
/// </remarks>
internal sealed class ConnectionTable
{
    // 1024 slots × 40 B = 40 KiB per chunk: small enough to allocate on demand, few chunks for 100k connections.
    internal const int ChunkShift = 10;
    internal const int ChunkSize = 1 << ChunkShift;
    // 4096 chunks × 1024 = 4M connections, far past what one process's file descriptors allow.
    private const int MaxChunks = 4096;

    private readonly ConnectionSlot[]?[] _chunks = new ConnectionSlot[MaxChunks][];
    private readonly Lock _lock = new();
    private int[] _free = new int[64];
    private int _freeCount;
    private int _highWater;   // slots [0, _highWater) have been handed out at least once
    private int _count;

    /// <summary>Number of slots ever used; the timer scans [0, HighWater).</summary>
    public int HighWater => Volatile.Read(ref _highWater);

    /// <summary>Live connections.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The slot at <paramref name="index"/> (which must be below <see cref="HighWater"/>).</summary>
    public ref ConnectionSlot this[int index] => ref _chunks[index >> ChunkShift]![index & (ChunkSize - 1)];

    /// <summary>Puts <paramref name="connection"/> into a free slot and returns its id.</summary>
    public long Add(WebSocketConnection connection, long now)
    {
        lock (_lock)
        {
            int index;
            if (_freeCount > 0)
            {
                index = _free[--_freeCount];
            }
            else
            {
                index = _highWater;
                int chunk = index >> ChunkShift;
                if (chunk >= MaxChunks) throw new InvalidOperationException("Connection table is full.");
                _chunks[chunk] ??= new ConnectionSlot[ChunkSize];
                Volatile.Write(ref _highWater, index + 1);
            }

            ref ConnectionSlot slot = ref this[index];
            slot.Deadline = 0;
            slot.LastReceive = now;
            slot.PingedAt = 0;
            Volatile.Write(ref slot.Connection, connection);
            _count++;
            return ((long)slot.Generation << 32) | (uint)index;
        }
    }

    /// <summary>Frees the slot of <paramref name="id"/> (no-op when the id is stale).</summary>
    public void Remove(long id)
    {
        int index = (int)id;
        lock (_lock)
        {
            ref ConnectionSlot slot = ref this[index];
            if (slot.Generation != (int)(id >> 32) || slot.Connection is null) return;
            Volatile.Write(ref slot.Connection, null);
            slot.Deadline = 0;
            slot.Generation++;
            if (_freeCount == _free.Length) Array.Resize(ref _free, _free.Length * 2);
            _free[_freeCount++] = index;
            _count--;
        }
    }

    /// <summary>Finds the live connection with <paramref name="id"/>; false when it closed (its slot may hold a newer one).</summary>
    public bool TryGet(long id, [NotNullWhen(true)] out WebSocketConnection? connection)
    {
        int index = (int)id;
        connection = null;
        if ((uint)index >= (uint)HighWater) return false;
        ref ConnectionSlot slot = ref this[index];
        WebSocketConnection? candidate = Volatile.Read(ref slot.Connection);
        if (candidate is null || candidate.Id != id) return false;
        connection = candidate;
        return true;
    }
}
