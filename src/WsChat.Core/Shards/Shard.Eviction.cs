using WsChat.Core.Protocol;
using WsChat.Core.Rooms;
using WsChat.Core.Users;

namespace WsChat.Core.Shards;

/// <summary>
/// Bounds on the conversations a shard keeps in memory (docs/protocol.md, "Rooms live while they are used").
/// Without them a client could grow the server without end: every <c>join</c> of a new name creates a room with
/// a ring of <see cref="ChatServerOptions.RoomHistorySize"/> messages, and a <c>history</c> or <c>join</c> of a
/// stored room loads one.
/// <list type="bullet">
/// <item>At most <see cref="ChatServerOptions.MaxRooms"/> rooms (split over the shards): a command that would
/// create one more is refused with <c>server_busy</c>.</item>
/// <item>With persistence on, a room or DM pair that nobody used for <see cref="ChatServerOptions.IdleConversationRetention"/>
/// is dropped: storage has every message of it and its last id, so the next command loads it again (as after a
/// restart). A sweep every half retention marks the idle ones and drops those still marked at the next sweep;
/// any command for the conversation clears its mark. Without persistence nothing is dropped: memory is the only
/// copy of a room's history and of the last id its ids continue from.</item>
/// </list>
/// </summary>
internal sealed partial class Shard
{
    private long _nextSweepAt;

    /// <summary>This shard's share of <see cref="ChatServerOptions.MaxRooms"/>.</summary>
    private int RoomLimit => Math.Max(1, (_engine.Options.MaxRooms + _engine.Options.ShardCount - 1) / _engine.Options.ShardCount);

    /// <summary>True (and the sender told <c>server_busy</c>) when one more room would pass the limit.</summary>
    private bool RefuseNewRoom(in ShardCommand command)
    {
        if (_rooms.Count < RoomLimit) return false;
        Error(command.Session!, ErrorCode.ServerBusy, "the server holds as many rooms as it may, retry later", in command);
        return true;
    }

    /// <summary>Called by the shard's loop between batches of commands: sweeps when half a retention has passed.</summary>
    private void SweepIfDue()
    {
        if (!_engine.Persistent) return;
        long now = Environment.TickCount64;
        if (now < _nextSweepAt) return;
        if (_nextSweepAt != 0) SweepIdleConversations();
        _nextSweepAt = now + Math.Max(1, (long)(_engine.Options.IdleConversationRetention.TotalMilliseconds / 2));
    }

    /// <summary>
    /// Marks the rooms and DM pairs that are idle now and drops those that were idle at the previous sweep too.
    /// Shard thread only (tests call it between <see cref="RunPending"/> calls). Returns how many were dropped.
    /// </summary>
    internal int SweepIdleConversations()
    {
        if (!_engine.Persistent) return 0;
        int dropped = 0;
        // Dictionary.Remove during enumeration is allowed (it never invalidates the enumerator).
        foreach (Room room in _rooms.Values)
        {
            if (room.Members.Count > 0 || room.Link is not null || !IsIdle(room.Storage)) continue;
            if (!room.Storage!.IdleMarked)
            {
                room.Storage.IdleMarked = true;
                continue;
            }

            _rooms.Remove(room.Name);
            Metrics.RoomsChanged(-1);
            dropped++;
        }

        foreach (DmPair pair in _pairs.Values)
        {
            // Several nodes: a pair's order stays while one of its users is here (a new one would deliver again what
            // this one delivered since they came), or while it holds DMs back or reads storage. A pair only ever
            // seen through the backplane has no stored side: nothing to wait for.
            if (pair.Link is { } link && (link.Loading || link.Filling || link.Sequencer.PendingCount > 0
                || _engine.Users.Find(pair.First) is not null || _engine.Users.Find(pair.Second) is not null)) continue;
            if (pair.Storage is null && _engine.Backplane is not null)
            {
                DropDmLink(pair);
                _pairs.Remove(pair.Key);
                dropped++;
                continue;
            }

            if (!IsIdle(pair.Storage)) continue;
            if (!pair.Storage!.IdleMarked)
            {
                pair.Storage.IdleMarked = true;
                continue;
            }

            DropDmLink(pair);
            _pairs.Remove(pair.Key);
            dropped++;
        }

        return dropped;
    }

    // Loaded, nothing waiting for storage or for a cluster id, nothing on its way to storage: memory holds nothing
    // that storage does not.
    private bool IsIdle(ConversationStorage? storage) =>
        storage is { Loaded: true, InFlight: 0, Deferred: null or { Count: 0 }, Joining: null or { Count: 0 } }
        && !_idQueues.ContainsKey(storage.Key.Value);
}
