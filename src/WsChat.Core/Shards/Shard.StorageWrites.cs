using System.Text;
using WsChat.Core.Ports;
using WsChat.Core.Protocol;
using WsChat.Core.Rooms;
using WsChat.Core.Sessions;
using WsChat.Core.Users;
using WsChat.Net.Buffers;

namespace WsChat.Core.Shards;

/// <summary>
/// Messages and DMs with persistence on: the shard gives the id and encodes the frame at once, submits the
/// message to the batch writer, and fans out and acks only when the batch's commit comes back
/// (<see cref="AppendCompleted"/>), or answers <c>server_busy</c> (PROTOCOL.md §5).
/// </summary>
internal sealed partial class Shard : IAppendCompletionSink
{
    // This shard's submissions not yet completed, oldest first. The batcher completes submissions in the
    // order they were made, so the next completion is always for the head. Shard thread only.
    private readonly Queue<InFlight> _inFlight = new();

    /// <inheritdoc />
    /// <remarks>On the batch writer's thread: only hands the outcome to the shard's own loop.</remarks>
    public void OnAppendCompleted(in AppendCompletion completion) =>
        Queue.Enqueue(new ShardCommand
        {
            Kind = ShardCommandKind.AppendCompleted,
            Limit = (int)completion.Outcome.Status,
            Since = completion.Outcome.ExistingId,
        });

    private void StoreRoomMessage(in ShardCommand command)
    {
        ChatSession session = command.Session!;
        Room? room = FindRoom(command.Target);
        if (room is null || !room.Members.Contains(session))
        {
            Error(session, ErrorCode.NotMember, "join the room before sending to it", in command);
            return;
        }

        if (_engine.Backplane is { } backplane)
        {
            RequestId(in command, room, null, backplane);      // the cluster's id (Shard.Backplane.cs)
            return;
        }

        // The id is taken now and never given again, even if the message is refused (ids may have gaps).
        long id = ++room.LastId;
        long timestamp = _engine.Time.GetUtcNow().ToUnixTimeMilliseconds();
        SharedFrame frame = Frames.Message(room.NameUtf8, id, session.UsernameUtf8, session.UserIdUtf8, command.Text, timestamp);
        var message = new StoredMessage(room.Storage!.Key, id, session.UserId, session.Username, Encoding.UTF8.GetString(command.Text), timestamp,
            command.HasRef ? Encoding.UTF8.GetString(command.Ref) : null);
        Submit(in message, new InFlight(session, room, null, frame, id, message.Ref) { ReceivedAt = command.ReceivedAt }, command.Ref);
    }

    private void StoreDm(in ShardCommand command)
    {
        ChatSession session = command.Session!;
        DmPair pair = FindPair(session.UserId, command.Target, create: true)!;
        if (_engine.Backplane is { } backplane)
        {
            RequestId(in command, null, pair, backplane);
            return;
        }

        long id = ++pair.LastId;
        long timestamp = _engine.Time.GetUtcNow().ToUnixTimeMilliseconds();
        byte[] to = pair.OtherUtf8(session.UserId);
        SharedFrame frame = Frames.Dm(id, session.UsernameUtf8, session.UserIdUtf8, to, command.Text, timestamp);
        string toId = string.Equals(session.UserId, pair.First, StringComparison.Ordinal) ? pair.Second : pair.First;
        var message = new StoredMessage(pair.Storage!.Key, id, session.UserId, session.Username, Encoding.UTF8.GetString(command.Text), timestamp,
            command.HasRef ? Encoding.UTF8.GetString(command.Ref) : null, toId);
        Submit(in message, new InFlight(session, null, pair, frame, id, message.Ref) { ReceivedAt = command.ReceivedAt }, command.Ref);
    }

    private void Submit(in StoredMessage message, InFlight inFlight, ReadOnlySpan<byte> clientRef)
    {
        if (!_engine.Batcher!.TrySubmit(in message, this))
        {
            // Storage is this far behind (or the server is draining): refuse now rather than queue without bound.
            inFlight.Frame.Release();
            if (_engine.Backplane is { } backplane)
            {
                if (inFlight.Room is { } room) VoidId(backplane, room, inFlight.Id);
                else VoidDmId(backplane, inFlight.Pair!, inFlight.Id);
            }

            _engine.Metrics.Error(ErrorCode.ServerBusy);
            inFlight.Session.Send(Frames.Error(ErrorCode.ServerBusy, "storage busy, retry later", clientRef));
            return;
        }

        _inFlight.Enqueue(inFlight);
        inFlight.Storage.InFlight++;
    }

    private void AppendCompleted(in ShardCommand command)
    {
        InFlight f = _inFlight.Dequeue();
        f.Storage.InFlight--;
        var status = (AppendStatus)command.Limit;
        byte[]? target = f.Room?.NameUtf8 ?? f.Pair?.OtherUtf8(f.Session.UserId);
        if (_engine.Backplane is { } backplane)
        {
            AppendCompletedClustered(backplane, in f, status, command.Since, target!);
            return;
        }

        switch (status)
        {
            case AppendStatus.Stored when f.Room is { } room:
                room.Storage!.CommittedId = f.Id;
                room.History.Add(f.Id, Frames.ElementOf(f.Frame, Frames.MessageTypePrefix));
                Broadcast(room, f.Frame);
                Metrics.RoomMessageFannedOut(room.Members.Count, f.ReceivedAt);
                Ack(f, target!, f.Id);
                break;

            case AppendStatus.Stored when f.Pair is { } pair:
                {
                    pair.History.Add(f.Id, Frames.ElementOf(f.Frame, Frames.DmTypePrefix));
                    // Every connection of both users, looked up now: one that opened while the DM was stored gets it too.
                    Metrics.DirectMessageSent(SendToBoth(_engine.Users.Find(f.Session.UserId), _engine.Users.Find(target!), f.Frame));
                    f.Frame.Release();
                    Ack(f, target!, f.Id);
                    break;
                }

            case AppendStatus.Duplicate:
                // PROTOCOL.md §5: a retry with the same ref is not stored twice; the sender gets the original id.
                f.Frame.Release();
                Ack(f, target!, command.Since);
                break;

            default:
                f.Frame.Release();
                if (f.Session.State != SessionState.Closed)
                {
                    f.Session.Send(Frames.Error(ErrorCode.ServerBusy, "message not stored: storage unavailable, retry later", RefBytes(f.Ref, stackalloc byte[256])));
                }

                break;
        }
    }

    // With several nodes: a stored room message goes out through the order of every node (Shard.Backplane.cs); a
    // refused or duplicate one leaves an id that will never be stored, which every node is told about.
    private void AppendCompletedClustered(IBackplane backplane, in InFlight f, AppendStatus status, long existingId, byte[] target)
    {
        switch (status)
        {
            case AppendStatus.Stored when f.Room is not null:
                PublishStored(backplane, in f);          // the ack goes out when this node delivers it
                break;

            case AppendStatus.Stored:
                PublishStored(backplane, in f);          // a DM too: delivered (and acked) in the pair's id order
                break;

            case AppendStatus.Duplicate:
                f.Frame.Release();
                if (f.Room is { } duplicateRoom) VoidId(backplane, duplicateRoom, f.Id);
                else VoidDmId(backplane, f.Pair!, f.Id);
                Ack(f, target, existingId);
                break;

            default:
                f.Frame.Release();
                if (f.Room is { } refusedRoom) VoidId(backplane, refusedRoom, f.Id);
                else VoidDmId(backplane, f.Pair!, f.Id);
                if (f.Session.State != SessionState.Closed)
                {
                    f.Session.Send(Frames.Error(ErrorCode.ServerBusy, "message not stored: storage unavailable, retry later", RefBytes(f.Ref, stackalloc byte[256])));
                }

                break;
        }
    }

    private static void Ack(in InFlight f, byte[] target, long id)
    {
        Span<byte> scratch = stackalloc byte[256];
        ReadOnlySpan<byte> clientRef = RefBytes(f.Ref, scratch);
        if (clientRef.IsEmpty || f.Session.State == SessionState.Closed) return;
        f.Session.Send(f.Room is not null ? Frames.Ack(clientRef, id, target) : Frames.AckDm(clientRef, id, target));
    }

    // The command's bytes went back to the pool long ago; the ref lives on as a string (the one the store got, or the
    // one kept for a cluster-ordered delivery). A ref is at most 64 characters (PROTOCOL.md §3), so 256 bytes of
    // scratch hold its UTF-8 and no array is allocated per ack.
    private static ReadOnlySpan<byte> RefBytes(string? clientRef, Span<byte> scratch) =>
        clientRef is null ? default
        : Encoding.UTF8.GetByteCount(clientRef) <= scratch.Length ? scratch[..Encoding.UTF8.GetBytes(clientRef, scratch)]
        : Encoding.UTF8.GetBytes(clientRef);

    /// <summary>A submitted message: what the shard needs to fan it out and answer its sender.</summary>
    private readonly record struct InFlight(ChatSession Session, Room? Room, DmPair? Pair, SharedFrame Frame, long Id, string? Ref)
    {
        /// <summary>Stopwatch timestamp of the message's receipt: the latency histogram runs to the fan-out after commit.</summary>
        public long ReceivedAt { get; init; }

        /// <summary>The stored side of its conversation (persistence is on whenever a message is in flight).</summary>
        public ConversationStorage Storage => (Room?.Storage ?? Pair?.Storage)!;
    }
}
