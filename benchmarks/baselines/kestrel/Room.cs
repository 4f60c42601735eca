using System.Collections.Concurrent;
using System.Text.Json;

namespace KestrelChat;

/// <summary>A room (or a DM pair): members, the next message id and the last messages in a ring.</summary>
public sealed class Room(string name, int historySize)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<StoredMessage> _history = new();
    private long _lastId;

    public string Name { get; } = name;

    public ConcurrentDictionary<long, ChatConnection> Members { get; } = new();

    public long LastId
    {
        get { lock (_lock) return _lastId; }
    }

    /// <summary>
    /// Assigns the next id, keeps the message in history and queues it to every member. The lock
    /// spans the fan-out so that every member sees the room's messages in id order.
    /// </summary>
    public StoredMessage Publish(ChatConnection sender, string text)
    {
        lock (_lock)
        {
            var stored = new StoredMessage(++_lastId, Name, sender.Username, sender.UserId, null, text,
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Remember(stored);
            byte[] payload = JsonSerializer.SerializeToUtf8Bytes(
                new RoomChatMessage(Name, stored.Id, stored.From, stored.FromId, text, stored.Timestamp),
                ChatJsonContext.Default.RoomChatMessage);
            foreach (ChatConnection member in Members.Values) member.Send(payload);
            return stored;
        }
    }

    /// <summary>Assigns the next id of a DM pair and keeps it in the pair's history.</summary>
    public StoredMessage NextDirect(ChatConnection sender, string to, string text, Action<StoredMessage> deliver)
    {
        lock (_lock)
        {
            var stored = new StoredMessage(++_lastId, null, sender.Username, sender.UserId, to, text,
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Remember(stored);
            deliver(stored);
            return stored;
        }
    }

    public (List<StoredMessage> Messages, bool HasMore) History(long? before, int limit)
    {
        lock (_lock)
        {
            var older = _history.Where(m => before is null || m.Id < before).ToList();
            int skip = Math.Max(0, older.Count - limit);
            return (older.Skip(skip).ToList(), skip > 0);
        }
    }

    private void Remember(StoredMessage message)
    {
        _history.AddLast(message);
        if (_history.Count > historySize) _history.RemoveFirst();
    }
}
