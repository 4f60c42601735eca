namespace WsChat.Core.Diagnostics;

/// <summary>One room as seen by <c>/stats</c>: copied out of its shard, so it outlives the shard's tables.</summary>
/// <param name="Name">The room's name.</param>
/// <param name="Shard">The shard that owns it (hash(room) % N).</param>
/// <param name="Members">Connections in the room.</param>
/// <param name="MessagesTotal">The room's newest message id: it grows by one per message posted (refused ones
/// included), so its growth over time is the room's message rate.</param>
internal readonly record struct RoomStat(string Name, int Shard, int Members, long MessagesTotal);
