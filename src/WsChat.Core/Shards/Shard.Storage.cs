using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using WsChat.Core.Ports;
using WsChat.Core.Protocol;
using WsChat.Core.Rooms;
using WsChat.Core.Sessions;
using WsChat.Core.Users;
using WsChat.Net.Buffers;

namespace WsChat.Core.Shards;

/// <summary>
/// Persistence on the shard (PROTOCOL.md §5 "Delivery guarantees"). The shard never waits for storage:
/// a conversation seen for the first time since start is loaded (last id and newest messages) while its
/// commands wait in a list; a <c>join</c> whose <c>since</c> reaches past the ring waits for a replay read
/// while that connection's later commands for the room wait behind it. Reads finish on other threads and
/// hand their result back through the shard's queue (<see cref="PostToShard"/>).
/// </summary>
internal sealed partial class Shard
{
    private readonly ConcurrentQueue<Action> _storageCallbacks = new();
    // Set while a join waiting for its replay runs again: SendJoined sends the stored replay.
    private MessagePage? _replay;
    private ChatSession? _replaySession;

    private IMessageStore Store => _engine.Store!;

    /// <summary>Runs <paramref name="action"/> on the shard's thread, after the commands already queued.</summary>
    private void PostToShard(Action action)
    {
        _storageCallbacks.Enqueue(action);
        Queue.Enqueue(new ShardCommand { Kind = ShardCommandKind.StorageCallback });
    }

    // One callback per StorageCallback command: both queues are FIFO and filled in pairs.
    private void RunStorageCallback()
    {
        if (_storageCallbacks.TryDequeue(out Action? action)) action();
    }

    // Moves the command out (the caller's copy no longer owns the pooled data).
    private static ShardCommand Take(ref ShardCommand command)
    {
        ShardCommand taken = command;
        command.Data = null;
        return taken;
    }

    /// <summary>Decides whether <paramref name="command"/> must wait for storage; if so it is taken and kept.</summary>
    private bool TryDefer(ref ShardCommand command)
    {
        ChatSession? session = command.Session;
        switch (command.Kind)
        {
            case ShardCommandKind.Join or ShardCommandKind.Leave or ShardCommandKind.Message or ShardCommandKind.Typing
                or ShardCommandKind.ListUsers or ShardCommandKind.History or ShardCommandKind.Remote:
                {
                    Room? room = FindRoom(command.Target);
                    IBackplane? backplane = _engine.Backplane;
                    if (backplane is not null && command.Kind == ShardCommandKind.Join && room is { Link: null, Members.Count: 0, Storage.Loaded: true, Storage.Joining: null or { Count: 0 } })
                    {
                        // Kept for a history request, never subscribed: load it again, subscribed this time.
                        _rooms.Remove(room.Name);
                        Metrics.RoomsChanged(-1);
                        room = null;
                    }

                    if (room is null)
                    {
                        // Only join and history can reach a room not in memory (it may exist in storage).
                        if (command.Kind is not (ShardCommandKind.Join or ShardCommandKind.History)) return false;
                        if (RefuseNewRoom(in command)) return true;
                        room = CreateRoom(command.Target);
                        room.Storage = new ConversationStorage(ConversationKey.Room(room.Name)) { Deferred = [] };
                        if (backplane is not null && command.Kind == ShardCommandKind.Join) StartSubscribedLoad(room, backplane);
                        else StartLoad(room.Storage, room.History, room, pair: null);
                    }

                    ConversationStorage storage = room.Storage!;
                    storage.IdleMarked = false;
                    if (!storage.Loaded)
                    {
                        storage.Deferred!.Add(Take(ref command));
                        return true;
                    }

                    if (command.Kind == ShardCommandKind.Remote) return false;
                    if (session is not null && storage.Joining is { } joining && joining.TryGetValue(session, out List<ShardCommand>? waiting))
                    {
                        waiting.Add(Take(ref command));
                        return true;
                    }

                    if (command.Kind == ShardCommandKind.Join && command.Flag && session is not null && !ReferenceEquals(session, _replaySession)
                        && !room.Members.Contains(session) && NeedsStoredReplay(room, command.Since))
                    {
                        StartReplay(room, session, Take(ref command));
                        return true;
                    }

                    return false;
                }

            case ShardCommandKind.Dm or ShardCommandKind.DmHistory:
                {
                    DmPair pair = FindPair(session!.UserId, command.Target, create: true)!;
                    if (pair.Storage is null)
                    {
                        pair.Storage = new ConversationStorage(ConversationKey.Parse(pair.Key)) { Deferred = [] };
                        StartLoad(pair.Storage, pair.History, room: null, pair);
                    }

                    pair.Storage.IdleMarked = false;
                    if (pair.Storage.Loaded) return false;
                    pair.Storage.Deferred!.Add(Take(ref command));
                    return true;
                }

            default:
                return false;
        }
    }

    // The ring answers a since-join when it still holds the message right after since (the chat's own rule).
    private static bool NeedsStoredReplay(Room room, long since)
    {
        MessageRing ring = room.History;
        if (since >= room.LastId) return false;
        return !(ring.Count > 0 && ring.OldestId <= since + 1);
    }

    // First sight of a conversation since start: read its newest messages (the ring) and with them its last id.
    // With a backplane, a room is subscribed before this read (Shard.Backplane.cs): the subscription comes along.
    private void StartLoad(ConversationStorage storage, MessageRing ring, Room? room, DmPair? pair, IDisposable? subscription = null,
        IReadOnlyList<BackplaneMember>? remoteMembers = null)
    {
        Task<MessagePage> read;
        try
        {
            read = Store.ReadHistoryAsync(storage.Key, null, ring.Capacity, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            read = Task.FromException<MessagePage>(ex);
        }

        read.ContinueWith(t => PostToShard(() => Loaded(storage, ring, room, pair, t, subscription, remoteMembers)), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Loaded(ConversationStorage storage, MessageRing ring, Room? room, DmPair? pair, Task<MessagePage> read, IDisposable? subscription = null,
        IReadOnlyList<BackplaneMember>? remoteMembers = null)
    {
        List<ShardCommand> deferred = storage.Deferred ?? [];
        storage.Deferred = null;
        if (!read.IsCompletedSuccessfully)
        {
            subscription?.Dispose();
            // Without its last id nothing can be given an id: refuse what waited, forget the conversation so
            // that the next command tries again.
            LogLoadFailed(_engine.Logger, storage.Key.Value, read.Exception?.GetBaseException());
            if (room is not null && _rooms.Remove(room.Name)) Metrics.RoomsChanged(-1);
            if (pair is not null) _pairs.Remove(pair.Key);
            foreach (ShardCommand waiting in deferred)
            {
                ShardCommand command = waiting;
                if (command.Session is { State: not SessionState.Closed } session) Error(session, ErrorCode.ServerBusy, "storage unavailable, retry later", in command);
                command.ReturnData();
            }

            return;
        }

        MessagePage page = read.Result;
        foreach (StoredMessage message in page.Messages)
        {
            SharedFrame frame = FrameOf(in message, room, pair);
            ring.Add(message.Id, Frames.ElementOf(frame, room is not null ? Frames.MessageTypePrefix : Frames.DmTypePrefix));
            frame.Release();
        }

        long lastId = page.Messages.Count > 0 ? page.Messages[^1].Id : 0;
        if (room is not null) room.LastId = Math.Max(room.LastId, lastId);
        if (pair is not null) pair.LastId = Math.Max(pair.LastId, lastId);
        storage.CommittedId = lastId;
        storage.OlderInStorage = page.HasMore;
        storage.Loaded = true;
        if (room is not null && subscription is not null)
        {
            room.Link = new Backplane.RoomLink(subscription, lastId);
            foreach (BackplaneMember member in remoteMembers ?? []) room.Link.AddRemote(member.Node, member.UserId, Encoding.UTF8.GetBytes(member.Username));
        }
        RunAll(deferred);
    }

    // A join with since beyond the ring: the connection becomes a member only once the replay is read, so the
    // live messages it gets all come after the replayed ones; its other commands for the room wait meanwhile.
    private void StartReplay(Room room, ChatSession session, ShardCommand join)
    {
        ConversationStorage storage = room.Storage!;
        storage.Joining ??= new Dictionary<ChatSession, List<ShardCommand>>(ReferenceEqualityComparer.Instance);
        storage.Joining.Add(session, []);
        Task<MessagePage> read = Store.ReadSinceAsync(storage.Key, join.Since, _engine.Options.ReplayLimit, CancellationToken.None);
        read.ContinueWith(t => PostToShard(() => ReplayRead(room, session, join, t)), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void ReplayRead(Room room, ChatSession session, ShardCommand join, Task<MessagePage> read)
    {
        room.Storage!.Joining!.Remove(session, out List<ShardCommand>? waiting);
        if (!read.IsCompletedSuccessfully)
        {
            LogLoadFailed(_engine.Logger, room.Storage.Key.Value, read.Exception?.GetBaseException());
            if (session.State != SessionState.Closed) Error(session, ErrorCode.ServerBusy, "storage unavailable, retry later", in join);
            join.ReturnData();
        }
        else
        {
            _replay = read.Result;
            _replaySession = session;
            try
            {
                RunOne(join);
            }
            finally
            {
                _replay = null;
                _replaySession = null;
            }
        }

        RunAll(waiting ?? []);
    }

    /// <summary>
    /// For the join waiting on a replay read (see <see cref="StartReplay"/>): <c>joined</c>, the stored messages
    /// after <c>since</c>, then those committed while the read ran (in the ring), at most the replay bound.
    /// </summary>
    private bool TrySendJoinedWithStoredReplay(ChatSession session, Room room, in ShardCommand command)
    {
        if (_replay is not { } page || !ReferenceEquals(session, _replaySession)) return false;
        MessageRing ring = room.History;
        long lastRead = page.Messages.Count > 0 ? page.Messages[^1].Id : command.Since;
        int ringFrom = ring.CountBelow(lastRead + 1);
        // A full ring whose every entry is newer than the read may have dropped some in between.
        bool gap = ringFrom == 0 && ring.Count == ring.Capacity && ring.OldestId > lastRead + 1;
        int total = page.Messages.Count + (ring.Count - ringFrom);
        int skip = Math.Max(0, total - _engine.Options.ReplayLimit);
        session.Send(Frames.Joined(room, recovered: !page.HasMore && skip == 0 && !gap, command.Ref));
        for (int i = skip; i < page.Messages.Count; i++)
        {
            StoredMessage message = page.Messages[i];
            session.Send(FrameOf(in message, room, pair: null));
        }

        for (int i = ringFrom + Math.Max(0, skip - page.Messages.Count); i < ring.Count; i++)
        {
            session.Send(Frames.FromElement(Frames.MessageTypePrefix, ring.ElementAt(i)));
        }

        return true;
    }

    private void RunAll(List<ShardCommand> commands)
    {
        foreach (ShardCommand command in commands) RunOne(command);
    }

    // A command that waited: dropped if its connection closed meanwhile (it must not join a room as a ghost).
    private void RunOne(ShardCommand command)
    {
        if (command.Session is { State: SessionState.Closed } && command.Kind != ShardCommandKind.Disconnect)
        {
            command.ReturnData();
            return;
        }

        Run(ref command);
    }

    /// <summary>A stored message as the frame it is sent as (a replay, or the ring's entry after a restart).</summary>
    private static SharedFrame FrameOf(in StoredMessage message, Room? room, DmPair? pair)
    {
        byte[] from = Encoding.UTF8.GetBytes(message.FromName), fromId = Encoding.UTF8.GetBytes(message.FromId), text = Encoding.UTF8.GetBytes(message.Text);
        return room is not null
            ? Frames.Message(room.NameUtf8, message.Id, from, fromId, text, message.Timestamp)
            : Frames.Dm(message.Id, from, fromId, Encoding.UTF8.GetBytes(message.To ?? ""), text, message.Timestamp);
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Reading {Conversation} from storage failed; its commands are refused with server_busy")]
    private static partial void LogLoadFailed(ILogger logger, string conversation, Exception? exception);
}
