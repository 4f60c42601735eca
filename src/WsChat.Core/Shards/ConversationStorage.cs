using WsChat.Core.Ports;
using WsChat.Core.Rooms;
using WsChat.Core.Sessions;

namespace WsChat.Core.Shards;

/// <summary>
/// What a shard knows about the stored side of one room or DM pair when persistence is on: its key, whether
/// its last id and newest messages have been read from storage yet, and the commands waiting for a read.
/// Owned by the conversation's shard: not thread-safe.
/// </summary>
internal sealed class ConversationStorage(ConversationKey key)
{
    public ConversationKey Key { get; } = key;

    /// <summary>The last id and the ring have been read from storage; ids may be given out.</summary>
    public bool Loaded { get; set; }

    /// <summary>The newest id known to be stored. A room's <c>LastId</c> also counts ids given to messages still
    /// on their way to storage; <c>joined.last_id</c> reports this one instead, because a message not yet stored
    /// is not in the room yet (it may still be refused) and a client takes last_id as "seen up to here".</summary>
    public long CommittedId { get; set; }

    /// <summary>At load, storage held more messages than the ring: history older than the ring is only there.</summary>
    public bool OlderInStorage { get; set; }

    /// <summary>Messages of this conversation submitted to the batch writer and not yet completed. While any is in
    /// flight the conversation stays in memory: its next load would read a last id older than the ids given out.</summary>
    public int InFlight { get; set; }

    /// <summary>Seen idle by the last sweep (<c>Shard.Eviction.cs</c>); any command for the conversation clears it.</summary>
    public bool IdleMarked { get; set; }

    /// <summary>Commands that arrived while the conversation was loading, in arrival order.</summary>
    public List<ShardCommand>? Deferred { get; set; }

    /// <summary>Connections whose <c>join</c> waits for a replay read, with their later commands for this room.</summary>
    public Dictionary<ChatSession, List<ShardCommand>>? Joining { get; set; }

    /// <summary>True when the ring holds every message of the conversation (nothing older is in storage), so a
    /// <c>history</c> can be answered from memory. Conservative: a full ring may have dropped messages.</summary>
    public bool RingHoldsAll(MessageRing ring) => Loaded && !OlderInStorage && ring.Count < ring.Capacity;
}
