namespace WsChat.Core.Shards;

/// <summary>What a <see cref="ShardCommand"/> asks its shard to do.</summary>
internal enum ShardCommandKind : byte
{
    None = 0,
    /// <summary>PROTOCOL.md §3 <c>join</c>: target = room; <see cref="ShardCommand.Since"/> when <see cref="ShardCommand.Flag"/>.</summary>
    Join,
    /// <summary><c>leave</c>: target = room.</summary>
    Leave,
    /// <summary><c>message</c>: target = room, text.</summary>
    Message,
    /// <summary><c>typing</c>: target = room; <see cref="ShardCommand.Flag"/> = status.</summary>
    Typing,
    /// <summary><c>list_users</c>: target = room.</summary>
    ListUsers,
    /// <summary><c>history</c> of a room: target = room; <see cref="ShardCommand.Before"/>, <see cref="ShardCommand.Limit"/>.</summary>
    History,
    /// <summary><c>dm</c>, on the pair's shard: target = recipient user id, text; <see cref="ShardCommand.Recipient"/> when online.</summary>
    Dm,
    /// <summary><c>history</c> of a DM pair, on the pair's shard: target = the other user id.</summary>
    DmHistory,
    /// <summary>The connection closed: leave every room of this shard it was in.</summary>
    Disconnect,
    /// <summary>A message from another node (backplane): target = room, ref = user id, text = the wire JSON,
    /// <see cref="ShardCommand.Since"/> = its id, <see cref="ShardCommand.Limit"/> = its <c>EnvelopeKind</c>.</summary>
    Remote,
    /// <summary>A DM (or a DM id that will never be stored) from the backplane: target = the pair's key, text = the
    /// wire JSON, <see cref="ShardCommand.Since"/> = its id, <see cref="ShardCommand.Limit"/> = its <c>EnvelopeKind</c>.</summary>
    RemoteDm,
    /// <summary>The backplane timer: look at the rooms whose ids have a gap.</summary>
    BackplaneTick,
    /// <summary>The backplane reconnected: read storage for what every room missed meanwhile.</summary>
    BackplaneCatchUp,
    /// <summary>Storage finished appending the shard's oldest submitted message: <see cref="ShardCommand.Limit"/> =
    /// its <c>AppendStatus</c>, <see cref="ShardCommand.Since"/> = the original id of a duplicate.</summary>
    AppendCompleted,
    /// <summary>A storage read finished: run the next callback the shard queued for it.</summary>
    StorageCallback,
}
