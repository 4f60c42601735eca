using System.Runtime.InteropServices;
using WsChat.Core.Rooms;

namespace WsChat.Core.Shards;

/// <summary>
/// The rooms of one shard that one connection is in (the value of the shard's membership table, so that a
/// closing connection leaves them all). Nearly every connection is in one room per shard: that room is kept
/// inline, an array only past it. 16 bytes inside the table's entry, where a <c>List&lt;Room&gt;</c> with its
/// array cost 88 bytes more per idle connection (issue 5, docs/benchmarks.md "Idle connection memory").
/// </summary>
/// <remarks>Owned by the shard's loop; not thread-safe. A mutable struct: use it by reference in the table.</remarks>
[StructLayout(LayoutKind.Auto)]
internal struct ConnectionRooms
{
    private object? _rooms;     // null, one Room, or a Room[] holding Count rooms in join order
    private int _count;

    public readonly int Count => _count;

    /// <summary>The room at <paramref name="index"/> (0 .. Count-1), in join order.</summary>
    public readonly Room this[int index] => _rooms is Room[] array ? array[index] : (Room)_rooms!;

    public void Add(Room room)
    {
        if (_rooms is null)
        {
            _rooms = room;
            _count = 1;
            return;
        }

        if (_rooms is not Room[] array)
        {
            array = new Room[4];
            array[0] = (Room)_rooms;
            _rooms = array;
        }
        else if (_count == array.Length)
        {
            Array.Resize(ref array, array.Length * 2);
            _rooms = array;
        }

        array[_count++] = room;
    }

    /// <summary>Removes <paramref name="room"/>, keeping the others in join order; false when it was not there.</summary>
    public bool Remove(Room room)
    {
        if (_rooms is Room[] array)
        {
            int index = Array.IndexOf(array, room, 0, _count);
            if (index < 0) return false;
            Array.Copy(array, index + 1, array, index, _count - index - 1);
            array[--_count] = null!;
            if (_count == 0) _rooms = null;
            return true;
        }

        if (_rooms is null || !ReferenceEquals(_rooms, room)) return false;
        _rooms = null;
        _count = 0;
        return true;
    }
}
