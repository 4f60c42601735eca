namespace WsChat.Core.Diagnostics;

/// <summary>One room as seen by <c>/stats</c>: copied out of its shard, so it outlives the shard's tables.</summary>
/// <param name="Name">The room's name.</param>
/// <param name="Shard">The shard that owns it (hash(room) % N).</param>
/// <param name="Members">Connections in the room.</param>
/// <param name="MessagesTotal">Messages posted to the room since it was created in this process (rate = its growth over time).</param>
internal readonly record struct RoomStat(string Name, int Shard, int Members, long MessagesTotal);
