using System.Text;
using WsChat.Core.Protocol;
using WsChat.Core.Rooms;
using WsChat.Core.Sessions;
using WsChat.Net.Transport.Epoll;

namespace WsChat.Core.Shards;

/// <summary>
/// One shard: the rooms and DM pairs whose names hash to it, and one thread that runs their
/// commands one at a time from <see cref="Queue"/>. Nothing a shard owns is locked: only its thread
/// touches its tables (DESIGN.md, "Shards, one per core").
/// </summary>
/// <remarks>
/// Tests construct a shard without starting its thread and call <see cref="RunPending"/> to run the
/// queued commands synchronously on the test's thread.
/// </remarks>
internal sealed partial class Shard : IDisposable
{
    // The loop also wakes this often with nothing to do, to notice a stop request.
    private const int IdleWaitMs = 1000;

    private readonly ChatEngine _engine;
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Room>.AlternateLookup<ReadOnlySpan<char>> _roomsByChars;
    // The rooms of this shard each connection is in, to leave them all when it closes.
    private readonly Dictionary<ChatSession, ConnectionRooms> _memberships = new(ReferenceEqualityComparer.Instance);
    private Thread? _thread;
    private volatile bool _stopping;

    public Shard(ChatEngine engine, int index)
    {
        _engine = engine;
        Index = index;
        Queue = new ShardQueue(engine.Options.ShardQueueCapacity);
        _roomsByChars = _rooms.GetAlternateLookup<ReadOnlySpan<char>>();
        _pairsByChars = _pairs.GetAlternateLookup<ReadOnlySpan<char>>();
        Metrics = engine.Metrics.Shard(index);
        Metrics.ObserveQueueDepth(() => Queue.Count);
    }

    /// <summary>This shard's counters (written only by its loop).</summary>
    public Diagnostics.ShardMetrics Metrics { get; }

    public int Index { get; }

    public ShardQueue Queue { get; }

    /// <summary>Rooms on this shard (read from other threads only for metrics).</summary>
    public int RoomCount => _rooms.Count;

    /// <summary>Starts the shard's thread.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"wschat-shard-{Index}" };
        _thread.Start();
    }

    /// <summary>Lets the thread finish the queued commands, then stops it.</summary>
    public void Stop()
    {
        _stopping = true;
        Queue.Wake();
        _thread?.Join();
        _thread = null;
    }

    /// <summary>Runs the queued commands on the calling thread; returns how many ran. For tests and the loop.</summary>
    public int RunPending()
    {
        int ran = 0;
        while (Queue.TryDequeue(out ShardCommand command))
        {
            Run(ref command);
            ran++;
        }

        return ran;
    }

    public void Dispose()
    {
        Stop();
        Queue.Dispose();
    }

    /// <summary>The room called <paramref name="name"/> (ASCII, validated) on this shard, if it exists.</summary>
    internal Room? FindRoom(ReadOnlySpan<byte> name)
    {
        Span<char> chars = stackalloc char[name.Length];
        int count = Encoding.ASCII.GetChars(name, chars);
        return _roomsByChars.TryGetValue(chars[..count], out Room? room) ? room : null;
    }

    private void Run()
    {
        // The shard's fan-outs go to the kernel as one io_uring submission each (Broadcast; WsChat.Net SendBatch).
        using SendBatch? sends = SendBatch.Attach();
        while (true)
        {
            RunPending();
            SweepIfDue();
            if (_stopping && Queue.Count == 0) return;
            Queue.Wait(IdleWaitMs);
        }
    }

    private void Run(ref ShardCommand command)
    {
        try
        {
            // Persistence: commands for a conversation still loading from storage, or from a connection whose
            // join waits for its replay, wait their turn (Shard.Storage.cs).
            if (_engine.Persistent && TryDefer(ref command)) return;
            switch (command.Kind)
            {
                case ShardCommandKind.Join: Join(in command); break;
                case ShardCommandKind.Leave: Leave(in command); break;
                case ShardCommandKind.Message: Message(in command); break;
                case ShardCommandKind.Typing: Typing(in command); break;
                case ShardCommandKind.ListUsers: ListUsers(in command); break;
                case ShardCommandKind.History: History(in command); break;
                case ShardCommandKind.Dm: Dm(in command); break;
                case ShardCommandKind.DmHistory: DmHistory(in command); break;
                case ShardCommandKind.Disconnect: Disconnect(command.Session!); break;
                case ShardCommandKind.AppendCompleted: AppendCompleted(in command); break;
                case ShardCommandKind.StorageCallback: RunStorageCallback(); break;
                case ShardCommandKind.Remote: Remote(in command); break;
                case ShardCommandKind.RemoteDm: RemoteDm(in command); break;
                case ShardCommandKind.BackplaneTick: BackplaneTick(); break;
                case ShardCommandKind.BackplaneCatchUp: BackplaneCatchUp(); break;
                default: throw new InvalidOperationException($"Unknown shard command {command.Kind}.");
            }
        }
        catch (Exception ex)
        {
            // A bug in one command must not stop the shard: the client gets "internal", the loop goes on.
            ChatLog.ShardCommandFailed(_engine.Logger, Index, command.Kind, ex);
            if (command.Session is not null) _engine.Metrics.Error(ErrorCode.Internal);
            if (command.Session is { } session) session.Send(Frames.Error(ErrorCode.Internal, "internal error", command.Ref));
        }
        finally
        {
            command.ReturnData();
        }
    }

    private Room CreateRoom(ReadOnlySpan<byte> name)
    {
        var room = new Room(Encoding.ASCII.GetString(name), _engine.Options.RoomHistorySize);
        _rooms.Add(room.Name, room);
        Metrics.RoomsChanged(1);
        return room;
    }

    private void Error(ChatSession session, ErrorCode code, string message, in ShardCommand command)
    {
        _engine.Metrics.Error(code);
        session.Send(Frames.Error(code, message, command.Ref));
    }
}
