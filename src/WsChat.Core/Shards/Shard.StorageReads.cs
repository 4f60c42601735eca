using System.Text;
using WsChat.Core.Ports;
using WsChat.Core.Protocol;
using WsChat.Core.Rooms;
using WsChat.Core.Sessions;
using WsChat.Core.Users;
using WsChat.Net.Buffers;

namespace WsChat.Core.Shards;

/// <summary>
/// <c>history</c> with persistence on (PROTOCOL.md §3): from the ring when it holds the whole page and knows
/// whether older messages exist; otherwise from storage, answered from the read's thread (the reply needs no
/// shard state, and the shard goes on meanwhile).
/// </summary>
internal sealed partial class Shard
{
    private void StoredRoomHistory(ChatSession session, Room room, in ShardCommand command)
    {
        if (room.LastId == 0 && room.Members.Count == 0)
        {
            // Loaded just for this request and nothing was ever said in it: as without storage, no such room.
            if (_rooms.Remove(room.Name)) Metrics.RoomsChanged(-1);
            Error(session, ErrorCode.RoomNotFound, "no such room", in command);
            return;
        }

        StoredHistory(session, room.Storage!, room.History, room, pair: null, in command);
    }

    private void StoredDmHistory(ChatSession session, DmPair pair, in ShardCommand command)
    {
        // A pair created only to look for its history, with none: do not keep it in memory.
        if (pair.LastId == 0) _pairs.Remove(pair.Key);
        StoredHistory(session, pair.Storage!, pair.History, room: null, pair, in command);
    }

    private void StoredHistory(ChatSession session, ConversationStorage storage, MessageRing ring, Room? room, DmPair? pair, in ShardCommand command)
    {
        bool isDm = pair is not null;
        long before = command.Before;       // long.MaxValue: none given
        int end = before == long.MaxValue ? ring.Count : ring.CountBelow(before);
        int start = Math.Max(0, end - command.Limit);
        if (start > 0 || storage.RingHoldsAll(ring))
        {
            session.Send(Frames.History(isDm, command.Target, ring, start, end, hasMore: start > 0, command.Ref));
            return;
        }

        byte[] target = command.Target.ToArray(), clientRef = command.Ref.ToArray();
        Task<MessagePage> read = Store.ReadHistoryAsync(storage.Key, before == long.MaxValue ? null : before, command.Limit, CancellationToken.None);
        read.ContinueWith(t =>
        {
            if (session.State == SessionState.Closed) return;
            if (!t.IsCompletedSuccessfully)
            {
                LogLoadFailed(_engine.Logger, storage.Key.Value, t.Exception?.GetBaseException());
                session.Send(Frames.Error(ErrorCode.ServerBusy, "history unavailable: storage unavailable, retry later", clientRef));
                return;
            }

            session.Send(HistoryFrame(isDm, target, t.Result, room, pair, clientRef));
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static SharedFrame HistoryFrame(bool isDm, byte[] target, MessagePage page, Room? room, DmPair? pair, byte[] clientRef)
    {
        // Each message is encoded as on the wire, then listed without its type (PROTOCOL.md §4 history).
        var elements = new List<byte[]>(page.Messages.Count);
        int size = 96 + target.Length;
        foreach (StoredMessage message in page.Messages)
        {
            SharedFrame one = FrameOf(in message, room, pair);
            byte[] element = Frames.ElementOf(one, isDm ? Frames.DmTypePrefix : Frames.MessageTypePrefix).ToArray();
            one.Release();
            elements.Add(element);
            size += element.Length + 1;
        }

        SharedFrame frame = SharedFrame.Rent(size);
        ServerMessageWriter.HistoryBuilder builder = isDm ? ServerMessageWriter.BeginDmHistory(frame, target) : ServerMessageWriter.BeginRoomHistory(frame, target);
        foreach (byte[] element in elements) builder.AddRaw(element);
        builder.End(page.HasMore, clientRef);
        frame.Seal();
        return frame;
    }
}
