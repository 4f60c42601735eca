using WsChat.Core.Diagnostics;
using WsChat.Core.Rooms;

namespace WsChat.Core.Shards;

/// <summary><c>/stats</c>: the shard copies its rooms out on its own loop, between two commands.</summary>
internal sealed partial class Shard
{
    /// <summary>Adds this shard's rooms to <paramref name="snapshot"/>; completes once the shard's loop did.</summary>
    public Task CaptureRoomsAsync(ChatStatsSnapshot snapshot)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        PostToShard(() =>
        {
            var rooms = new List<RoomStat>(_rooms.Count);
            foreach (Room room in _rooms.Values) rooms.Add(new RoomStat(room.Name, Index, room.Members.Count, room.LastId));
            snapshot.AddRooms(rooms);
            done.TrySetResult();
        });
        return done.Task;
    }
}
