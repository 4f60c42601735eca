using System.Diagnostics;
using System.Text;
using WsChat.Core.Backplane;
using WsChat.Core.Ports;
using WsChat.Core.Protocol;
using WsChat.Core.Rooms;
using WsChat.Core.Sessions;
using WsChat.Core.Users;
using WsChat.Net.Buffers;

namespace WsChat.Core.Shards;

/// <summary>
/// Several nodes (issue 8, docs/architecture.md "Scale-out"). A room message: (1) its id comes from the cluster's
/// sequence (<see cref="IBackplane.NextIdAsync"/>), (2) it is stored through the batch writer like on one node, (3)
/// once committed it is published to the room's channel and offered to this node's <see cref="MessageSequencer"/>.
/// Every node delivers the room's messages in id order: a later id waits for a missing one, a gap that lasts is
/// filled from the shared storage, and an id that never reaches storage is given up (refused ids are announced at
/// once with a <see cref="EnvelopeKind.Void"/>). A node subscribes to a room while it has members in it.
/// </summary>
/// <remarks>On one node none of this runs: <c>_engine.Backplane</c> is null and the shard takes its usual paths.</remarks>
internal sealed partial class Shard
{
    private readonly HashSet<Room> _gapped = new(ReferenceEqualityComparer.Instance);
    // Messages waiting for ids, per conversation: one request to the backplane at a time per conversation, for a
    // block of ids handed out in arrival order (so one sender's messages keep their order).
    private readonly Dictionary<string, IdQueue> _idQueues = new(StringComparer.Ordinal);
    private volatile bool _hasGaps;

    /// <summary>Some room of this shard holds messages back behind a missing id (read by the backplane timer).</summary>
    public bool HasGaps => _hasGaps;

    // (1) A room message or DM waits for its cluster-wide id; the shard goes on meanwhile.
    private void RequestId(in ShardCommand command, Room? room, DmPair? pair, IBackplane backplane)
    {
        var request = new IdRequest(command.Session!, room, pair, command.Text.ToArray(), command.HasRef ? command.Ref.ToArray() : null);
        ConversationKey key = room is not null ? room.Storage!.Key : pair!.Storage!.Key;
        if (!_idQueues.TryGetValue(key.Value, out IdQueue? queue))
        {
            queue = new IdQueue(key);
            _idQueues.Add(key.Value, queue);
        }

        queue.Waiting.Add(request);
        if (!queue.Asking) AskIds(queue, backplane);
    }

    private void AskIds(IdQueue queue, IBackplane backplane)
    {
        IdRequest[] batch = [.. queue.Waiting];
        queue.Waiting.Clear();
        queue.Asking = true;
        ConversationKey key = queue.Key;
        IMessageStore store = Store;
        Task<long> next;
        try
        {
            next = backplane.NextIdAsync(key, batch.Length, ct => store.GetLastIdAsync(key, ct), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            next = Task.FromException<long>(ex);
        }

        next.ContinueWith(t => PostToShard(() => IdsAssigned(queue, batch, t)), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void IdsAssigned(IdQueue queue, IdRequest[] batch, Task<long> next)
    {
        queue.Asking = false;
        if (next.IsCompletedSuccessfully)
        {
            long first = next.Result - batch.Length + 1;
            for (int i = 0; i < batch.Length; i++) IdAssigned(batch[i], first + i);
        }
        else
        {
            _engine.BackplaneMetrics.OnIdFailure();
            BackplaneLog.IdFailed(_engine.Logger, queue.Key.Value, next.Exception?.GetBaseException());
            foreach (IdRequest request in batch)
            {
                if (request.Session.State == SessionState.Closed) continue;
                _engine.Metrics.Error(ErrorCode.ServerBusy);
                request.Session.Send(Frames.Error(ErrorCode.ServerBusy, "cluster unavailable, retry later", request.Ref));
            }
        }

        if (queue.Waiting.Count > 0 && _engine.Backplane is { } backplane) AskIds(queue, backplane);
        else _idQueues.Remove(queue.Key.Value);
    }

    // (2) Encoded and submitted as on one node, with the cluster's id.
    private void IdAssigned(IdRequest request, long id)
    {
        ChatSession session = request.Session;
        long timestamp = _engine.Time.GetUtcNow().ToUnixTimeMilliseconds();
        string text = Encoding.UTF8.GetString(request.Text);
        string? clientRef = request.Ref is null ? null : Encoding.UTF8.GetString(request.Ref);
        if (request.Room is { } room)
        {
            SharedFrame frame = Frames.Message(room.NameUtf8, id, session.UsernameUtf8, session.UserIdUtf8, request.Text, timestamp);
            var message = new StoredMessage(room.Storage!.Key, id, session.UserId, session.Username, text, timestamp, clientRef);
            Submit(in message, new InFlight(session, room, null, frame, id, clientRef), request.Ref);
            return;
        }

        DmPair pair = request.Pair!;
        pair.LastId = Math.Max(pair.LastId, id);
        byte[] to = pair.OtherUtf8(session.UserId);
        SharedFrame dm = Frames.Dm(id, session.UsernameUtf8, session.UserIdUtf8, to, request.Text, timestamp);
        string toId = string.Equals(session.UserId, pair.First, StringComparison.Ordinal) ? pair.Second : pair.First;
        var stored = new StoredMessage(pair.Storage!.Key, id, session.UserId, session.Username, text, timestamp, clientRef, toId);
        Submit(in stored, new InFlight(session, null, pair, dm, id, clientRef), request.Ref);
    }

    // (3) Committed: to the other nodes, and into this node's order.
    private void PublishStored(IBackplane backplane, in InFlight f)
    {
        if (f.Room is { } room)
        {
            Publish(backplane, RoomChannel(room), EnvelopeKind.Message, f.Id, f.Session.UserIdUtf8, f.Frame.Payload);
            Offer(room, f.Id, new SequencedItem(f.Frame, f.Session, f.Ref));
            return;
        }

        PublishStoredDm(backplane, in f);       // Shard.BackplaneDms.cs
    }

    /// <summary>An id of <paramref name="room"/> that will never be stored: every node stops waiting for it.</summary>
    private void VoidId(IBackplane backplane, Room room, long id)
    {
        Publish(backplane, RoomChannel(room), EnvelopeKind.Void, id, default, default);
        Offer(room, id, SequencedItem.Void);
    }

    private void Publish(IBackplane backplane, BackplaneChannel channel, EnvelopeKind kind, long id, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> payload)
    {
        backplane.Publish(channel, BackplaneEnvelope.Encode(kind, backplane.NodeId, id, userId, payload));
        _engine.BackplaneMetrics.OnPublished();
    }

    /// <summary>Typing and presence to the members on other nodes (nothing stored, nothing ordered).</summary>
    private void PublishEvent(Room room, EnvelopeKind kind, ChatSession session, SharedFrame frame)
    {
        if (_engine.Backplane is { } backplane && room.Link is not null) Publish(backplane, RoomChannel(room), kind, 0, session.UserIdUtf8, frame.Payload);
    }

    private static BackplaneChannel RoomChannel(Room room) => new(BackplaneChannelKind.Room, room.Name);

    // Something for this room from another node.
    private void Remote(in ShardCommand command)
    {
        Room? room = FindRoom(command.Target);
        if (room?.Link is null) return;        // no members here (any more)
        switch ((EnvelopeKind)command.Limit)
        {
            case EnvelopeKind.Message:
                Offer(room, command.Since, new SequencedItem(Frames.FromPayload(command.Text)));
                break;
            case EnvelopeKind.Void:
                Offer(room, command.Since, SequencedItem.Void);
                break;
            case EnvelopeKind.Typing:
                {
                    // Not to the typist's own connections (PROTOCOL.md §3), wherever they are.
                    SharedFrame frame = Frames.FromPayload(command.Text);
                    ReadOnlySpan<byte> typist = command.Ref;
                    foreach (ChatSession member in room.Members.AsSpan())
                    {
                        if (!member.UserIdUtf8.AsSpan().SequenceEqual(typist)) member.Send(frame.AddRef());
                    }

                    frame.Release();
                    break;
                }

            case EnvelopeKind.Presence:
                RemotePresence(room, command.Ref, command.Text);
                break;
        }
    }

    // Presence from another node (or for a node that died): shown only when the user comes to, or leaves, the whole
    // cluster's room: not while they have connections here or on a third node.
    private void RemotePresence(Room room, ReadOnlySpan<byte> origin, ReadOnlySpan<byte> payload)
    {
        int split = origin.IndexOf((byte)'\n');
        if (split < 0) return;
        string node = Encoding.ASCII.GetString(origin[..split]);
        string userId = Encoding.UTF8.GetString(origin[(split + 1)..]);
        if (!TryReadPresence(payload, out bool online, out byte[] username)) return;
        RoomLink link = room.Link!;
        bool changed = online ? link.AddRemote(node, userId, username) : link.RemoveRemote(node, userId);
        if (changed && !room.HasUserId(userId)) Broadcast(room, Frames.FromPayload(payload));
    }

    private static bool TryReadPresence(ReadOnlySpan<byte> payload, out bool online, out byte[] username)
    {
        online = false;
        username = [];
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(payload.ToArray());
            System.Text.Json.JsonElement root = document.RootElement;
            online = root.GetProperty("status").ValueEquals("online"u8);
            username = Encoding.UTF8.GetBytes(root.GetProperty("user").GetString() ?? "");
            return true;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>This node's membership of <paramref name="session"/>'s user in <paramref name="room"/> changed, for the other nodes' lists.</summary>
    private void RecordMember(Room room, ChatSession session, bool present)
    {
        if (_engine.Backplane is { } backplane && room.Link is not null) backplane.SetRoomMember(room.Name, session.UserId, session.Username, present);
    }

    /// <summary>Offers id <paramref name="id"/> of <paramref name="room"/> to its order, then delivers what is in order.</summary>
    private void Offer(Room room, long id, SequencedItem item)
    {
        MessageSequencer? sequencer = room.Link?.Sequencer;
        if (sequencer is null || !sequencer.Offer(id, item))
        {
            // Delivered already (a storage read was faster), or the room has no members here any more. The
            // sender of a local message still gets the ack: the message is stored.
            item.Frame?.Release();
            if (item.AckTo is { } sender) AckRoom(sender, item.Ref, id, room);
            return;
        }

        DeliverInOrder(room);
    }

    private void DeliverInOrder(Room room)
    {
        MessageSequencer sequencer = room.Link!.Sequencer;
        bool progressed = false;
        while (sequencer.TryTake(out long id, out SequencedItem item))
        {
            progressed = true;
            room.LastId = Math.Max(room.LastId, id);
            if (item.Frame is not { } frame) continue;
            room.Storage!.CommittedId = id;
            room.History.Add(id, Frames.ElementOf(frame, Frames.MessageTypePrefix));
            int members = room.Members.Count;
            Broadcast(room, frame);
            Metrics.Delivered(members);
            if (item.AckTo is { } sender) AckRoom(sender, item.Ref, id, room);
        }

        NoteGap(sequencer, progressed, _gapped, room);
    }

    /// <summary>After a delivery pass over a room's or DM pair's order: start or end its gap clock, and keep it in (or
    /// out of) the set the backplane timer fills gaps for.</summary>
    private void NoteGap<T>(MessageSequencer sequencer, bool progressed, HashSet<T> gapped, T conversation)
    {
        sequencer.NoteGap(Stopwatch.GetTimestamp(), progressed);
        if (sequencer.GapSince != 0) gapped.Add(conversation);
        else gapped.Remove(conversation);
        _hasGaps = _gapped.Count + _gappedPairs.Count > 0;
    }

    private static void AckRoom(ChatSession sender, string? clientRef, long id, Room room)
    {
        if (clientRef is null || sender.State == SessionState.Closed) return;
        sender.Send(Frames.Ack(RefBytes(clientRef, stackalloc byte[256]), id, room.NameUtf8));
    }

    // The backplane timer: rooms and DM pairs whose gap is older than the fill delay read storage (once per delay).
    private void BackplaneTick()
    {
        long now = Stopwatch.GetTimestamp();
        foreach (Room room in _gapped)
        {
            if (FillDue(room.Link!, now)) StartFill(room.Link!, room, pair: null);
        }

        foreach (DmPair pair in _gappedPairs)
        {
            if (FillDue(pair.Link!, now)) StartFill(pair.Link!, room: null, pair);
        }
    }

    private bool FillDue(ConversationLink link, long now) =>
        !link.Filling && now >= link.NextFillAt
        && Stopwatch.GetElapsedTime(link.Sequencer.GapSince, now) >= _engine.BackplaneOptions.GapFillDelay;

    // The backplane reconnected: what was published meanwhile was lost; every subscribed room reads storage.
    private void BackplaneCatchUp()
    {
        IBackplane backplane = _engine.Backplane!;
        foreach (Room room in _rooms.Values)
        {
            if (room.Link is not { } link) continue;
            if (link.Filling) link.CatchUpRequested = true;
            else StartFill(link, room, pair: null);
            // Redis may have lost the records, or the other nodes took this node for dead: record its users again,
            // and take the other nodes' users afresh (presence sent meanwhile was lost).
            foreach (RoomUser user in room.Users) backplane.SetRoomMember(room.Name, Encoding.UTF8.GetString(user.UserIdUtf8), Encoding.UTF8.GetString(user.UsernameUtf8), true);
            FetchRemoteMembers(room, link, backplane, then: null);
        }

        foreach (DmPair pair in _pairs.Values)
        {
            if (pair.Link is not { Loading: false } dmLink) continue;
            if (dmLink.Filling) dmLink.CatchUpRequested = true;
            else StartFill(dmLink, room: null, pair);
        }
    }

    // A storage read after the last delivered id of a room or a DM pair (one of the two is given).
    private void StartFill(ConversationLink link, Room? room, DmPair? pair)
    {
        link.Filling = true;
        link.CatchUpRequested = false;
        long startedAt = Stopwatch.GetTimestamp();
        ConversationKey key = room is not null ? room.Storage!.Key : pair!.Storage?.Key ?? ConversationKey.Parse(pair.Key);
        Task<MessagePage> read;
        try
        {
            read = Store.ReadSinceAsync(key, link.Sequencer.Delivered, _engine.Options.ReplayLimit, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            read = Task.FromException<MessagePage>(ex);
        }

        read.ContinueWith(t => PostToShard(() => Filled(link, room, pair, startedAt, t)), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Filled(ConversationLink link, Room? room, DmPair? pair, long startedAt, Task<MessagePage> read)
    {
        link.Filling = false;
        link.NextFillAt = Stopwatch.GetTimestamp() + (long)(_engine.BackplaneOptions.GapFillDelay.TotalSeconds * Stopwatch.Frequency);
        // The room lost its members (the pair its users) meanwhile.
        if (room is not null ? !ReferenceEquals(room.Link, link) : !ReferenceEquals(pair!.Link, link)) return;
        string name = room?.Name ?? pair!.Key;
        if (!read.IsCompletedSuccessfully)
        {
            BackplaneLog.FillFailed(_engine.Logger, name, read.Exception?.GetBaseException());
            link.CatchUpRequested = true;
            return;
        }

        _engine.BackplaneMetrics.OnGapFill();
        MessageSequencer sequencer = link.Sequencer;
        foreach (StoredMessage message in read.Result.Messages)
        {
            if (message.Id <= sequencer.Delivered) continue;
            SharedFrame frame = FrameOf(in message, room, pair);
            if (!sequencer.Offer(message.Id, new SequencedItem(frame))) frame.Release();     // held already (same message)
        }

        Deliver(link, room, pair);
        // What storage still lacks, long after the gap appeared, never committed: its node crashed between taking
        // the id and storing it (a refused message is announced with a Void instead). Give it up.
        while (sequencer.PendingCount > 0 && sequencer.GapSince != 0
            && Stopwatch.GetElapsedTime(sequencer.GapSince, startedAt) >= _engine.BackplaneOptions.GapSkipAfter)
        {
            long from = sequencer.Delivered + 1;
            long skipped = sequencer.SkipGaps();
            _engine.BackplaneMetrics.OnSkipped(skipped);
            BackplaneLog.Skipped(_engine.Logger, name, from, from + skipped - 1);
            Deliver(link, room, pair);
        }

        if (link.CatchUpRequested) StartFill(link, room, pair);
    }

    private void Deliver(ConversationLink link, Room? room, DmPair? pair)
    {
        if (room is not null) DeliverInOrder(room);
        else DeliverDmsInOrder(pair!, (DmLink)link);
    }

    /// <summary>The node's last member of <paramref name="room"/> left: unsubscribe and forget it (the next join
    /// loads it again from storage, subscribed first so that nothing published meanwhile is missed).</summary>
    private void DropRoomIfUnused(Room room)
    {
        if (room.Link is not { } link || room.Members.Count > 0) return;
        if (room.Storage is { Loaded: false } or { Joining.Count: > 0 }) return;
        room.Link = null;
        link.Sequencer.Clear(static item => item.Frame?.Release());
        link.Subscription.Dispose();
        _gapped.Remove(room);
        _hasGaps = _gapped.Count + _gappedPairs.Count > 0;
        if (_rooms.Remove(room.Name)) Metrics.RoomsChanged(-1);
    }

    /// <summary>A room this node starts serving: subscribe to its channel first, then read storage, so every message
    /// committed after the read is received (and one committed in between is both: the sequencer drops the copy).</summary>
    // The other nodes' users of the room, into its link (replacing what it had).
    private void FetchRemoteMembers(Room room, RoomLink? link, IBackplane backplane, Action<IReadOnlyList<BackplaneMember>>? then)
    {
        Task<IReadOnlyList<BackplaneMember>> read;
        try
        {
            read = backplane.GetRoomMembersAsync(room.Name);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            read = Task.FromException<IReadOnlyList<BackplaneMember>>(ex);
        }

        read.ContinueWith(t =>
        {
            IReadOnlyList<BackplaneMember> members = t.IsCompletedSuccessfully ? t.Result : [];
            if (then is not null)
            {
                then(members);
                return;
            }

            PostToShard(() =>
            {
                if (!ReferenceEquals(room.Link, link) || !t.IsCompletedSuccessfully) return;
                link!.RemoteUsers.Clear();
                foreach (BackplaneMember member in members) link.AddRemote(member.Node, member.UserId, Encoding.UTF8.GetBytes(member.Username));
            });
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void StartSubscribedLoad(Room room, IBackplane backplane)
    {
        ConversationStorage storage = room.Storage!;
        Task<IDisposable> subscribe;
        try
        {
            subscribe = backplane.SubscribeAsync(RoomChannel(room));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            subscribe = Task.FromException<IDisposable>(ex);
        }

        subscribe.ContinueWith(t =>
        {
            // Subscribed: the other nodes' users (a presence received from now on updates them), then storage.
            if (t.IsCompletedSuccessfully) FetchRemoteMembers(room, null, backplane, members => StartLoad(storage, room.History, room, pair: null, t.Result, members));
            else PostToShard(() => Loaded(storage, room.History, room, null, Task.FromException<MessagePage>(t.Exception!.GetBaseException())));
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The messages of one conversation waiting for ids, and whether a request is on its way.</summary>
    private sealed class IdQueue(ConversationKey key)
    {
        public ConversationKey Key { get; } = key;

        public List<IdRequest> Waiting { get; } = [];

        public bool Asking { get; set; }
    }

    /// <summary>A message or DM waiting for its id: what the sender sent, copied out of the command.</summary>
    private sealed record IdRequest(ChatSession Session, Room? Room, DmPair? Pair, byte[] Text, byte[]? Ref);
}
