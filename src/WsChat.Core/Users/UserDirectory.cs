using System.Collections.Concurrent;
using System.Text;
using WsChat.Core.Limits;
using WsChat.Core.Sessions;

namespace WsChat.Core.Users;

/// <summary>
/// The users with live connections on this node, by user id: enforces the connections-per-user
/// limit (PROTOCOL.md §5) and finds a DM's recipient. Thread-safe.
/// </summary>
/// <remarks>
/// Adds and removes (once per connection) take one lock; lookups (once per DM) take none. The limit
/// is checked on the connection's own path, before <c>welcome</c>, so a refused connection sees no
/// <c>welcome</c> and a welcomed one never sees a reply overtake it.
/// </remarks>
internal sealed class UserDirectory
{
    private readonly ConcurrentDictionary<string, ChatUser> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ChatUser>.AlternateLookup<ReadOnlySpan<char>> _byChars;
    private readonly Lock _lock = new();

    private readonly Func<TokenBucket> _newBucket;
    private readonly TimeProvider _time;

    /// <param name="newBucket">Makes the rate-limit bucket of a user who comes online.</param>
    /// <param name="time">The clock of <see cref="ChatUser.OnlineSinceMs"/> (the system's by default).</param>
    public UserDirectory(Func<TokenBucket> newBucket, TimeProvider? time = null)
    {
        _newBucket = newBucket;
        _time = time ?? TimeProvider.System;
        _byChars = _users.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Users with at least one connection.</summary>
    public int Count => _users.Count;

    /// <summary>Every user's number of connections, taken under the lock (a backplane records them all afresh).</summary>
    public List<KeyValuePair<string, int>> Counts()
    {
        lock (_lock) return [.. _users.Values.Where(u => u.Sessions.Length > 0).Select(u => new KeyValuePair<string, int>(u.Id, u.Sessions.Length))];
    }

    /// <summary>Every user with a connection, as the directory holds them now (for <c>/stats</c>; lock-free).</summary>
    public ICollection<ChatUser> All => _users.Values;

    /// <summary>Their connections, summed when asked (for metrics; O(users), lock-free).</summary>
    public long ConnectionCount => _users.Values.Sum(u => (long)u.Sessions.Length);

    /// <summary>
    /// Several nodes (issue 8): told, under the directory's lock, the user's new number of connections after every
    /// removal, so that the counts it records in the backplane are issued in the order they happened.
    /// </summary>
    public Action<string, int>? CountChanged { get; set; }

    /// <summary>
    /// Registers <paramref name="session"/> under <paramref name="userId"/>. Fails when the user has
    /// <paramref name="maxConnections"/> connections already. A user who comes online gets
    /// <paramref name="username"/> as its shared display name. <paramref name="added"/> (optional) runs under the
    /// directory's lock after a successful add, with the user's new number of connections.
    /// </summary>
    public bool TryAdd(ChatSession session, string userId, string username, int maxConnections, out ChatUser user, Action<ChatUser, int>? added = null)
    {
        lock (_lock)
        {
            if (!_users.TryGetValue(userId, out ChatUser? existing))
            {
                existing = new ChatUser(userId, username, _newBucket(), _time.GetUtcNow().ToUnixTimeMilliseconds());
                _users[userId] = existing;
            }

            user = existing;
            ChatSession[] sessions = existing.Sessions;
            if (sessions.Length >= maxConnections)
            {
                if (sessions.Length == 0) Remove(existing);
                return false;
            }

            existing.Sessions = [.. sessions, session];
            added?.Invoke(existing, sessions.Length + 1);
            return true;
        }
    }

    /// <summary>Unregisters <paramref name="session"/> from <paramref name="user"/>; drops the user with its last connection.</summary>
    public void Remove(ChatSession session, ChatUser user)
    {
        lock (_lock)
        {
            ChatSession[] sessions = user.Sessions;
            int index = Array.IndexOf(sessions, session);
            if (index < 0) return;
            if (sessions.Length == 1)
            {
                user.Sessions = [];
                Remove(user);
                CountChanged?.Invoke(user.Id, _users.TryGetValue(user.Id, out ChatUser? next) ? next.Sessions.Length : 0);
                return;
            }

            var rest = new ChatSession[sessions.Length - 1];
            sessions.AsSpan(0, index).CopyTo(rest);
            sessions.AsSpan(index + 1).CopyTo(rest.AsSpan(index));
            user.Sessions = rest;
            CountChanged?.Invoke(user.Id, rest.Length);
        }
    }

    /// <summary>The user with this id (UTF-8) if they are online, without allocating.</summary>
    public ChatUser? Find(ReadOnlySpan<byte> userIdUtf8)
    {
        // User ids are JWT "sub" strings: short in practice; a long one goes through the pool.
        int maxChars = Encoding.UTF8.GetMaxCharCount(userIdUtf8.Length);
        char[]? rented = null;
        Span<char> chars = maxChars <= 256 ? stackalloc char[256] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(maxChars));
        try
        {
            int count = Encoding.UTF8.GetChars(userIdUtf8, chars);
            return _byChars.TryGetValue(chars[..count], out ChatUser? user) ? user : null;
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>The user with this id if they are online.</summary>
    public ChatUser? Find(string userId) => _users.TryGetValue(userId, out ChatUser? user) ? user : null;

    private void Remove(ChatUser user) => _users.TryRemove(new KeyValuePair<string, ChatUser>(user.Id, user));
}
