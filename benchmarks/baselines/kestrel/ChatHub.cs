using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace KestrelChat;

/// <summary>Rooms, users and the per-connection receive loop that dispatches client messages.</summary>
public sealed partial class ChatHub(ChatOptions options, ILogger<ChatHub> logger)
{
    private readonly ConcurrentDictionary<string, Room> _rooms = new();
    private readonly ConcurrentDictionary<string, Room> _directPairs = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<long, ChatConnection>> _users = new();
    private long _nextSession;

    public long NextSessionId() => Interlocked.Increment(ref _nextSession);

    public async Task RunAsync(ChatConnection connection, CancellationToken cancellationToken)
    {
        _users.GetOrAdd(connection.UserId, _ => new()).TryAdd(connection.Session, connection);
        Task writer = connection.WriteLoopAsync(cancellationToken);
        Send(connection, new WelcomeMessage(connection.UserId, connection.Username, $"c{connection.Session}", options.HeartbeatMs),
            ChatJsonContext.Default.WelcomeMessage);

        byte[] buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (connection.Socket.State == WebSocketState.Open)
            {
                int count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        if (buffer.Length >= options.MaxMessageBytes)
                        {
                            await connection.Socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too big", cancellationToken);
                            return;
                        }

                        byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, count).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    result = await connection.Socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken);
                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await connection.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cancellationToken);
                    break;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    await connection.Socket.CloseAsync(WebSocketCloseStatus.InvalidMessageType, "text only", cancellationToken);
                    break;
                }

                Handle(connection, buffer.AsSpan(0, count));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            LogDisconnected(logger, connection.Session, ex.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Disconnect(connection);
            connection.Complete();
            await writer;
        }
    }

    private void Handle(ChatConnection connection, ReadOnlySpan<byte> json)
    {
        ClientMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(json, ChatJsonContext.Default.ClientMessage);
        }
        catch (JsonException)
        {
            message = null;
        }

        if (message?.Type is null)
        {
            Error(connection, "bad_request", "not a JSON object with a type", message?.Ref);
            return;
        }

        switch (message.Type)
        {
            case "join": Join(connection, message); break;
            case "leave": Leave(connection, message); break;
            case "message": Publish(connection, message); break;
            case "dm": Direct(connection, message); break;
            case "history": History(connection, message); break;
            case "ping": Send(connection, new PongMessage(message.Ref), ChatJsonContext.Default.PongMessage); break;
            default: Error(connection, "bad_request", $"unknown type '{message.Type}'", message.Ref); break;
        }
    }

    private void Join(ChatConnection connection, ClientMessage message)
    {
        if (!IsRoomName(message.Room))
        {
            Error(connection, "bad_request", "invalid room", message.Ref);
            return;
        }

        Room room = _rooms.GetOrAdd(message.Room, name => new Room(name, options.HistorySize));
        bool isNew = room.Members.TryAdd(connection.Session, connection);
        connection.Rooms.Add(room.Name);
        var users = room.Members.Values.Select(m => new UserInfo(m.UserId, m.Username)).DistinctBy(u => u.UserId).ToList();
        Send(connection, new JoinedMessage(room.Name, users, room.LastId, false, message.Ref), ChatJsonContext.Default.JoinedMessage);
        if (isNew) Broadcast(room, connection, new PresenceMessage(room.Name, connection.Username, connection.UserId, "online"));
    }

    private void Leave(ChatConnection connection, ClientMessage message)
    {
        if (message.Room is null || !connection.Rooms.Remove(message.Room) || !_rooms.TryGetValue(message.Room, out Room? room))
        {
            Error(connection, "not_member", "not in that room", message.Ref);
            return;
        }

        room.Members.TryRemove(connection.Session, out _);
        Send(connection, new LeftMessage(room.Name, message.Ref), ChatJsonContext.Default.LeftMessage);
        Broadcast(room, connection, new PresenceMessage(room.Name, connection.Username, connection.UserId, "offline"));
    }

    private void Publish(ChatConnection connection, ClientMessage message)
    {
        if (string.IsNullOrEmpty(message.Text) || message.Room is null)
        {
            Error(connection, "bad_request", "room and text are required", message.Ref);
            return;
        }

        if (!connection.Rooms.Contains(message.Room) || !_rooms.TryGetValue(message.Room, out Room? room))
        {
            Error(connection, "not_member", "join the room first", message.Ref);
            return;
        }

        StoredMessage stored = room.Publish(connection, message.Text);
        if (message.Ref is not null) Send(connection, new AckMessage(message.Ref, stored.Id, room.Name), ChatJsonContext.Default.AckMessage);
    }

    private void Direct(ChatConnection connection, ClientMessage message)
    {
        if (string.IsNullOrEmpty(message.Text) || string.IsNullOrEmpty(message.To))
        {
            Error(connection, "bad_request", "to and text are required", message.Ref);
            return;
        }

        if (!_users.TryGetValue(message.To, out var recipients) || recipients.IsEmpty)
        {
            Error(connection, "user_not_found", "no such user online", message.Ref);
            return;
        }

        Room pair = _directPairs.GetOrAdd(PairKey(connection.UserId, message.To), key => new Room(key, options.HistorySize));
        StoredMessage stored = pair.NextDirect(connection, message.To, message.Text, dm =>
        {
            byte[] payload = JsonSerializer.SerializeToUtf8Bytes(
                new DirectMessage(dm.Id, dm.From, dm.FromId, message.To, dm.Text, dm.Timestamp), ChatJsonContext.Default.DirectMessage);
            foreach (ChatConnection c in recipients.Values) c.Send(payload);
            if (message.To != connection.UserId && _users.TryGetValue(connection.UserId, out var mine))
            {
                foreach (ChatConnection c in mine.Values) c.Send(payload);
            }
        });
        if (message.Ref is not null) Send(connection, new AckMessage(message.Ref, stored.Id, null), ChatJsonContext.Default.AckMessage);
    }

    private void History(ChatConnection connection, ClientMessage message)
    {
        int limit = message.Limit ?? 50;
        if (limit is < 1 or > 100)
        {
            Error(connection, "bad_request", "limit must be 1..100", message.Ref);
            return;
        }

        Room? source = null;
        if (message.Room is not null)
        {
            if (!connection.Rooms.Contains(message.Room))
            {
                Error(connection, "not_member", "join the room first", message.Ref);
                return;
            }

            _rooms.TryGetValue(message.Room, out source);
        }
        else if (message.Dm is not null)
        {
            _directPairs.TryGetValue(PairKey(connection.UserId, message.Dm), out source);
        }
        else
        {
            Error(connection, "bad_request", "room or dm is required", message.Ref);
            return;
        }

        var (messages, hasMore) = source?.History(message.Before, limit) ?? ([], false);
        Send(connection, new HistoryMessage(message.Room, message.Dm, messages, hasMore, message.Ref), ChatJsonContext.Default.HistoryMessage);
    }

    private void Disconnect(ChatConnection connection)
    {
        if (_users.TryGetValue(connection.UserId, out var sessions)) sessions.TryRemove(connection.Session, out _);
        foreach (string name in connection.Rooms)
        {
            if (_rooms.TryGetValue(name, out Room? room) && room.Members.TryRemove(connection.Session, out _))
            {
                Broadcast(room, connection, new PresenceMessage(room.Name, connection.Username, connection.UserId, "offline"));
            }
        }

        connection.Rooms.Clear();
    }

    private static void Broadcast(Room room, ChatConnection except, PresenceMessage presence)
    {
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(presence, ChatJsonContext.Default.PresenceMessage);
        foreach (ChatConnection member in room.Members.Values)
        {
            if (member.Session != except.Session) member.Send(payload);
        }
    }

    private static void Send<T>(ChatConnection connection, T message, JsonTypeInfo<T> typeInfo) =>
        connection.Send(JsonSerializer.SerializeToUtf8Bytes(message, typeInfo));

    private static void Error(ChatConnection connection, string code, string text, string? reference) =>
        Send(connection, new ErrorMessage(code, text, reference), ChatJsonContext.Default.ErrorMessage);

    private static string PairKey(string a, string b) => string.CompareOrdinal(a, b) < 0 ? $"{a}\n{b}" : $"{b}\n{a}";

    private static bool IsRoomName([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? room) =>
        room is { Length: >= 1 and <= 64 } && RoomName().IsMatch(room);

    [GeneratedRegex("^[A-Za-z0-9_.:-]+$")]
    private static partial Regex RoomName();

    [LoggerMessage(Level = LogLevel.Debug, Message = "connection {Session} ended: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, long session, string reason);
}
