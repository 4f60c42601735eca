namespace WsChat.Core.Backplane;

/// <summary>
/// Puts one room's messages back in id order on a node (issue 8: every member on every node sees one order).
/// Ids come from the cluster-wide sequence, but messages reach a node in commit order, from several nodes and
/// through at-most-once pub/sub; the sequencer holds a later id while an earlier one is missing.
/// </summary>
/// <remarks>
/// <para>Owned by the room's shard: not thread-safe. The shard offers what arrives (<see cref="Offer"/>), takes
/// what is deliverable in order (<see cref="TryTake"/>), and while a gap persists (<see cref="GapSince"/>) reads
/// storage after the last delivered id and offers what it finds; an id still missing from storage long after the
/// gap appeared never committed (its node crashed, or its commit failed) and is skipped (<see cref="SkipGaps"/>).</para>
/// <para>Memory: one sorted entry per held message; nothing while in order (the common case).</para>
/// </remarks>
internal sealed class MessageSequencer
{
    private readonly SortedDictionary<long, SequencedItem> _pending = new();

    /// <param name="delivered">The newest id already delivered (or stored before this node saw the room).</param>
    public MessageSequencer(long delivered) => Delivered = delivered;

    /// <summary>The newest id delivered; every id up to it was delivered or skipped.</summary>
    public long Delivered { get; private set; }

    /// <summary>Stopwatch timestamp since which an id is missing while later ones wait; 0 when none wait.</summary>
    public long GapSince { get; private set; }

    /// <summary>Ids held back.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Offers id <paramref name="id"/>. False when it was delivered, skipped or is held already: the caller
    /// keeps ownership of <paramref name="item"/> (and releases its frame).</summary>
    public bool Offer(long id, SequencedItem item)
    {
        if (id <= Delivered) return false;
        return _pending.TryAdd(id, item);
    }

    /// <summary>Takes the next id in order, if it is here.</summary>
    public bool TryTake(out long id, out SequencedItem item)
    {
        id = Delivered + 1;
        if (!_pending.Remove(id, out item)) return false;
        Delivered = id;
        return true;
    }

    /// <summary>After taking what was in order: starts (at <paramref name="now"/>) or clears the gap clock. When
    /// <paramref name="progressed"/> (ids were taken) a remaining gap is a new one: its clock starts again.</summary>
    public void NoteGap(long now, bool progressed)
    {
        if (_pending.Count == 0) GapSince = 0;
        else if (GapSince == 0 || progressed) GapSince = now;
    }

    /// <summary>Gives up on every missing id below the ones held (they never committed): the next
    /// <see cref="TryTake"/> returns the lowest held id. Returns how many ids were skipped.</summary>
    public long SkipGaps()
    {
        if (_pending.Count == 0) return 0;
        long first = 0;
        foreach (long key in _pending.Keys)
        {
            first = key;        // sorted: the first is the lowest
            break;
        }

        long skipped = first - 1 - Delivered;
        Delivered = first - 1;
        return skipped;
    }

    /// <summary>Moves past <paramref name="id"/> without delivering (the room was read from storage up to it).</summary>
    public void AdvanceTo(long id)
    {
        if (id > Delivered) Delivered = id;
    }

    /// <summary>Empties the sequencer, handing each held item to <paramref name="release"/>.</summary>
    public void Clear(Action<SequencedItem> release)
    {
        foreach (SequencedItem item in _pending.Values) release(item);
        _pending.Clear();
        GapSince = 0;
    }
}
