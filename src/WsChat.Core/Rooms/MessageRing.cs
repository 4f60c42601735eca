using System.Numerics;

namespace WsChat.Core.Rooms;

/// <summary>
/// The last messages of one conversation (a room or a DM pair), kept in memory for <c>history</c>
/// and for <c>join</c> with <c>since</c> (PROTOCOL.md §3). Owned by one shard: not thread-safe.
/// </summary>
/// <remarks>
/// An entry is the message exactly as it went on the wire, as a JSON object without its
/// <c>"type"</c> member — the form a <c>history</c> reply lists it in (PROTOCOL.md §4). A replay
/// puts the type back in front by copying bytes, so nothing is re-encoded, and a message received
/// from another node through the backplane is kept without being parsed.
/// <para>Each slot keeps its byte array and reuses it when the next message fits, so once the
/// slots have grown to the usual message size, adding a message allocates nothing.</para>
/// </remarks>
internal sealed class MessageRing
{
    // Small messages (a few words of chat) fit in the first array a slot gets.
    private const int MinSlotBytes = 256;

    private readonly long[] _ids;
    private readonly byte[]?[] _json;
    private readonly int[] _lengths;
    private int _head;      // slot of the oldest entry
    private int _count;

    public MessageRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ids = new long[capacity];
        _json = new byte[capacity][];
        _lengths = new int[capacity];
    }

    public int Capacity => _ids.Length;

    public int Count => _count;

    /// <summary>Id of the oldest entry kept, 0 when empty.</summary>
    public long OldestId => _count == 0 ? 0 : _ids[_head];

    /// <summary>Id of the newest entry kept, 0 when empty.</summary>
    public long NewestId => _count == 0 ? 0 : IdAt(_count - 1);

    /// <summary>Appends a message; when full, the oldest is dropped. Ids must increase.</summary>
    public void Add(long id, ReadOnlySpan<byte> element)
    {
        if (_count > 0 && id <= NewestId) throw new InvalidOperationException("Message ids must increase within a conversation.");
        int slot;
        if (_count < _ids.Length)
        {
            slot = (_head + _count) % _ids.Length;
            _count++;
        }
        else
        {
            slot = _head;
            _head = (_head + 1) % _ids.Length;
        }

        byte[]? bytes = _json[slot];
        if (bytes is null || bytes.Length < element.Length)
        {
            bytes = new byte[Math.Max(MinSlotBytes, (int)BitOperations.RoundUpToPowerOf2((uint)element.Length))];
            _json[slot] = bytes;
        }

        element.CopyTo(bytes);
        _ids[slot] = id;
        _lengths[slot] = element.Length;
    }

    /// <summary>The id of entry <paramref name="index"/>, 0 being the oldest.</summary>
    public long IdAt(int index) => _ids[Slot(index)];

    /// <summary>The JSON object (without <c>type</c>) of entry <paramref name="index"/>, 0 being the oldest.</summary>
    public ReadOnlySpan<byte> ElementAt(int index)
    {
        int slot = Slot(index);
        return _json[slot].AsSpan(0, _lengths[slot]);
    }

    /// <summary>How many entries have an id lower than <paramref name="id"/> (binary search: ids increase).</summary>
    public int CountBelow(long id)
    {
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (IdAt(mid) < id) lo = mid + 1;
            else hi = mid;
        }

        return lo;
    }

    private int Slot(int index)
    {
        if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
        return (_head + index) % _ids.Length;
    }
}
