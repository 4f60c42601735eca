using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WsChat.Core.Protocol;
using WsChat.Core.Rooms;
using WsChat.Core.Sessions;
using WsChat.Net.Buffers;
using WsChat.Net.Transport.Epoll;

namespace WsChat.Core.Shards;

internal sealed partial class Shard
{
    // PROTOCOL.md §3 join: joined, the replay after it, presence online to the others.
    private void Join(in ShardCommand command)
    {
        ChatSession session = command.Session!;
        Room? room = FindRoom(command.Target);
        if (room is not null && room.Members.Contains(session))
        {
            // PROTOCOL.md §5: joining a joined room replies joined again, with no second presence.
            SendJoined(session, room, in command);
            return;
        }

        if (room is null && RefuseNewRoom(in command)) return;
        if (!session.TryTakeRoomSlot(_engine.Options.MaxRoomsPerConnection))
        {
            Error(session, ErrorCode.TooManyRooms, "too many rooms joined on this connection", in command);
            return;
        }

        room ??= CreateRoom(command.Target);
        room.Add(session, out bool firstOfUser);
        Metrics.MembersChanged(1);
        ref ConnectionRooms rooms = ref CollectionsMarshal.GetValueRefOrAddDefault(_memberships, session, out bool known);
        if (!known) Metrics.ConnectionsChanged(1);
        rooms.Add(room);
        SendJoined(session, room, in command);
        if (firstOfUser)
        {
            SharedFrame presence = Frames.Presence(room.NameUtf8, session.UsernameUtf8, session.UserIdUtf8, online: true);
            RecordMember(room, session, present: true);
            PublishEvent(room, Backplane.EnvelopeKind.Presence, session, presence);
            // Connected on another node already: online for everyone here since then.
            if (room.Link?.RemoteUsers.ContainsKey(session.UserId) == true) presence.Release();
            else BroadcastExcept(room, presence, session);
        }
    }

    // joined, then with since the messages the client missed, oldest first (PROTOCOL.md §3, §5).
    private void SendJoined(ChatSession session, Room room, in ShardCommand command)
    {
        if (TrySendJoinedWithStoredReplay(session, room, in command)) return;
        MessageRing history = room.History;
        int replayFrom = history.Count;     // nothing to replay
        bool recovered = false;
        if (command.Flag)
        {
            long since = command.Since, last = room.LastId;
            if (since == last)
            {
                recovered = true;           // up to date
            }
            else if (since < last)
            {
                // Ids in the ring are the newest ones, contiguous by arrival: everything after since is
                // there when the oldest kept id is at most since + 1.
                replayFrom = history.CountBelow(since + 1);
                recovered = history.Count > 0 && history.OldestId <= since + 1;
                int bound = _engine.Options.ReplayLimit;
                if (history.Count - replayFrom > bound)
                {
                    replayFrom = history.Count - bound;
                    recovered = false;
                }
            }

            // since > last: the client knows ids this room never gave out (a restart without storage):
            // nothing to replay and recovered is false, so the client knows its view is not this room's.
        }

        session.Send(Frames.Joined(room, recovered, command.Ref));
        for (int i = replayFrom; i < history.Count; i++)
        {
            session.Send(Frames.FromElement(Frames.MessageTypePrefix, history.ElementAt(i)));
        }
    }

    private void Leave(in ShardCommand command)
    {
        ChatSession session = command.Session!;
        Room? room = FindRoom(command.Target);
        if (room is null || !room.Remove(session, out bool lastOfUser))
        {
            Error(session, ErrorCode.NotMember, "not a member of this room", in command);
            return;
        }

        session.ReturnRoomSlot();
        Metrics.MembersChanged(-1);
        ref ConnectionRooms rooms = ref CollectionsMarshal.GetValueRefOrNullRef(_memberships, session);
        if (!Unsafe.IsNullRef(ref rooms) && rooms.Remove(room) && rooms.Count == 0)
        {
            Metrics.ConnectionsChanged(-1);
            _memberships.Remove(session);
        }

        session.Send(Frames.Left(room.NameUtf8, command.Ref));
        if (lastOfUser) Offline(room, session);
    }

    // The hot path: one id, one encoding, one frame queued to every member (STYLE.md "Encode once").
    private void Message(in ShardCommand command)
    {
        if (_engine.Persistent)
        {
            StoreRoomMessage(in command);      // fanned out and acked when its batch commits
            return;
        }

        ChatSession session = command.Session!;
        Room? room = FindRoom(command.Target);
        if (room is null || !room.Members.Contains(session))
        {
            Error(session, ErrorCode.NotMember, "join the room before sending to it", in command);
            return;
        }

        long id = ++room.LastId;
        long timestamp = _engine.Time.GetUtcNow().ToUnixTimeMilliseconds();
        SharedFrame frame = Frames.Message(room.NameUtf8, id, session.UsernameUtf8, session.UserIdUtf8, command.Text, timestamp);
        room.History.Add(id, Frames.ElementOf(frame, Frames.MessageTypePrefix));
        Broadcast(room, frame);
        Metrics.RoomMessageFannedOut(room.Members.Count, command.ReceivedAt);
        if (command.HasRef) session.Send(Frames.Ack(command.Ref, id, room.NameUtf8));
    }

    private void Typing(in ShardCommand command)
    {
        ChatSession session = command.Session!;
        Room? room = FindRoom(command.Target);
        if (room is null || !room.Members.Contains(session))
        {
            Error(session, ErrorCode.NotMember, "join the room before typing in it", in command);
            return;
        }

        // Not echoed (PROTOCOL.md §3): not to the typist, nor to their other connections in the room.
        SharedFrame frame = Frames.Typing(room.NameUtf8, session.UsernameUtf8, session.UserIdUtf8, command.Flag);
        using (SendBatch.Open())
        {
            foreach (ChatSession member in room.Members.AsSpan())
            {
                if (!string.Equals(member.UserId, session.UserId, StringComparison.Ordinal)) member.Send(frame.AddRef());
            }
        }

        PublishEvent(room, Backplane.EnvelopeKind.Typing, session, frame);
        frame.Release();
    }

    private void ListUsers(in ShardCommand command)
    {
        ChatSession session = command.Session!;
        Room? room = FindRoom(command.Target);
        if (room is null)
        {
            Error(session, ErrorCode.RoomNotFound, "no such room", in command);
            return;
        }

        session.Send(Frames.Users(room, command.Ref));
    }

    private void History(in ShardCommand command)
    {
        ChatSession session = command.Session!;
        Room? room = FindRoom(command.Target);
        if (room is null)
        {
            Error(session, ErrorCode.RoomNotFound, "no such room", in command);
            return;
        }

        if (_engine.Persistent)
        {
            StoredRoomHistory(session, room, in command);
            return;
        }

        SendHistory(session, room.History, in command, isDm: false);
    }

    // history from the ring: the newest `limit` messages with id < before, oldest first.
    private void SendHistory(ChatSession session, MessageRing? history, in ShardCommand command, bool isDm)
    {
        int end = 0, start = 0;
        if (history is not null)
        {
            end = command.Before > 0 ? history.CountBelow(command.Before) : history.Count;
            start = Math.Max(0, end - command.Limit);
        }

        // has_more: older messages are still available here (those dropped from the ring are not).
        session.Send(Frames.History(isDm, command.Target, history, start, end, hasMore: start > 0, command.Ref));
    }

    // The connection closed: it leaves every room of this shard; presence offline where it was the user's last.
    private void Disconnect(ChatSession session)
    {
        if (!_memberships.Remove(session, out ConnectionRooms rooms)) return;
        Metrics.ConnectionsChanged(-1);
        Metrics.MembersChanged(-rooms.Count);
        for (int i = 0; i < rooms.Count; i++)
        {
            Room room = rooms[i];
            if (room.Remove(session, out bool lastOfUser) && lastOfUser) Offline(room, session);
        }
    }

    // The user's last connection here left the room: presence offline to the members here and on other nodes; with a
    // backplane, a room that has no members left on this node is unsubscribed.
    private void Offline(Room room, ChatSession session)
    {
        SharedFrame presence = Frames.Presence(room.NameUtf8, session.UsernameUtf8, session.UserIdUtf8, online: false);
        RecordMember(room, session, present: false);
        PublishEvent(room, Backplane.EnvelopeKind.Presence, session, presence);
        if (room.Link?.RemoteUsers.ContainsKey(session.UserId) == true) presence.Release();     // still there on another node
        else Broadcast(room, presence);
        if (room.Link is not null) DropRoomIfUnused(room);
    }

    /// <summary>Queues <paramref name="frame"/> to every member and releases the caller's reference. The sends go to
    /// the kernel together at the end of the batch scope (one io_uring submission on the epoll engine).</summary>
    private static void Broadcast(Room room, SharedFrame frame)
    {
        using SendBatch.Scope batch = SendBatch.Open();
        foreach (ChatSession member in room.Members.AsSpan())
        {
            member.Send(frame.AddRef());
        }

        frame.Release();
    }

    private static void BroadcastExcept(Room room, SharedFrame frame, ChatSession except)
    {
        using SendBatch.Scope batch = SendBatch.Open();
        foreach (ChatSession member in room.Members.AsSpan())
        {
            if (!ReferenceEquals(member, except)) member.Send(frame.AddRef());
        }

        frame.Release();
    }
}
