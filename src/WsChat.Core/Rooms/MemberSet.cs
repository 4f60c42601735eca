using WsChat.Core.Sessions;

namespace WsChat.Core.Rooms;

/// <summary>
/// The connections in one room: a dense array for the fan-out loop (one pass over contiguous
/// references), and an index for O(1) membership checks and removal. Owned by the room's shard.
/// </summary>
internal sealed class MemberSet
{
    private ChatSession[] _items = new ChatSession[4];
    private readonly Dictionary<ChatSession, int> _index = new(ReferenceEqualityComparer.Instance);
    private int _count;

    public int Count => _count;

    /// <summary>The members, valid until the next add or remove.</summary>
    public ReadOnlySpan<ChatSession> AsSpan() => _items.AsSpan(0, _count);

    public bool Contains(ChatSession session) => _index.ContainsKey(session);

    /// <summary>Adds <paramref name="session"/>; false when it is a member already.</summary>
    public bool Add(ChatSession session)
    {
        if (!_index.TryAdd(session, _count)) return false;
        if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _items[_count++] = session;
        return true;
    }

    /// <summary>Removes <paramref name="session"/> (the last member takes its place); false when it was not a member.</summary>
    public bool Remove(ChatSession session)
    {
        if (!_index.Remove(session, out int index)) return false;
        int last = --_count;
        if (index != last)
        {
            ChatSession moved = _items[last];
            _items[index] = moved;
            _index[moved] = index;
        }

        _items[last] = null!;
        // Give memory back when a crowd leaves a big room.
        if (_items.Length > 64 && _count < _items.Length / 4) Array.Resize(ref _items, _items.Length / 2);
        return true;
    }
}
