using System.Buffers;

namespace WsChat.Core.Client;

public sealed partial class ChatClient
{
    // PROTOCOL.md §3: room names are 1 to 64 characters from [A-Za-z0-9_.:-]; refs at most 64 characters.
    private const int MaxRoomLength = 64, MaxRefLength = 64, MaxHistoryLimit = 100;
    private static readonly SearchValues<char> s_roomChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-");

    /// <summary>
    /// Joins <paramref name="room"/> (creating it if new) and completes with the server's <c>joined</c>. From then on
    /// the client is in the room until <see cref="LeaveAsync"/>, across reconnects: it joins again by itself with
    /// <c>since</c>, so that no message is missed. Joining a room already joined replies <c>joined</c> again.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="room"/> is not a valid room name (PROTOCOL.md §3).</exception>
    /// <returns>A task faulted with <see cref="ChatServerException"/> (e.g. <c>too_many_rooms</c>) or
    /// <see cref="ChatClientClosedException"/> when the server refuses or the client closes.</returns>
    public Task<ChatJoined> JoinAsync(string room, CancellationToken cancellationToken = default)
    {
        ValidateRoom(room);
        string r = NextRef(out long sequence);
        PendingRequest<ChatJoined> request;
        lock (_lock)
        {
            if (_closed is not null || _closing) return Task.FromException<ChatJoined>(ClosedError());
            if (!_rooms.TryGetValue(room, out RoomState? state)) _rooms.Add(room, state = new RoomState(room));
            long? since = state.HasBaseline ? state.LastId : null;
            request = new PendingRequest<ChatJoined>(r, RequestKind.Join, ClientMessageWriter.Join(room, since, r), room, sequence, static m => ToJoined(m, isRejoin: false))
            {
                Since = since,
            };
            _pending.Add(r, request);
            state.JoinRef = r;
            _connection?.Enqueue(request.Payload);
        }

        return Watch(request, cancellationToken);
    }

    /// <summary>
    /// Leaves <paramref name="room"/>: no more of its messages are delivered from now on, and the client no longer
    /// rejoins it. Completes with the server's <c>left</c>, or at once when not connected (a new connection is in no room).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="room"/> is not a valid room name.</exception>
    /// <returns>A task faulted with <see cref="ChatServerException"/> <c>not_member</c> when the server knows no such membership.</returns>
    public Task LeaveAsync(string room, CancellationToken cancellationToken = default)
    {
        ValidateRoom(room);
        string r = NextRef(out long sequence);
        PendingRequest<bool> request;
        lock (_lock)
        {
            if (_closed is not null || _closing) return Task.FromException(ClosedError());
            bool wasIn = _rooms.Remove(room);
            if (_connection is null && wasIn) return Task.CompletedTask;
            request = new PendingRequest<bool>(r, RequestKind.Leave, ClientMessageWriter.Leave(room, r), room, sequence, static _ => true);
            _pending.Add(r, request);
            _connection?.Enqueue(request.Payload);
        }

        return Watch(request, cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="text"/> to <paramref name="room"/> (which must be joined) and completes with the message's
    /// id from the server's <c>ack</c>: sent once it is stored (with persistence on, it survives a server crash).
    /// Unacknowledged messages are sent again after a reconnect with the same <c>ref</c>; the server stores them once.
    /// </summary>
    /// <exception cref="ArgumentException">An invalid room name, or empty text.</exception>
    /// <returns>The id; a task faulted with <see cref="ChatServerException"/> (<c>not_member</c>, <c>too_large</c>,
    /// <c>rate_limited</c> with <see cref="ChatServerException.RetryAfter"/>, <c>server_busy</c>, …) or
    /// <see cref="ChatClientClosedException"/>.</returns>
    public Task<long> SendAsync(string room, string text, CancellationToken cancellationToken = default) =>
        SendCoreAsync(room, text, null, cancellationToken);

    /// <summary>
    /// <see cref="SendAsync(string, string, CancellationToken)"/> with a <c>ref</c> of the caller's: to retry a message
    /// refused with <c>server_busy</c> or <c>rate_limited</c> (the exception's <see cref="ChatError.Ref"/>) so that the
    /// server stores it once even if the refused attempt was stored after all (PROTOCOL.md §5, dedup within 2 minutes).
    /// </summary>
    /// <exception cref="ArgumentException">An invalid room name, empty text, or a ref that is empty, over 64
    /// characters, or pending already.</exception>
    public Task<long> SendAsync(string room, string text, string messageRef, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(messageRef) || messageRef.Length > MaxRefLength) throw new ArgumentException("A ref is 1 to 64 characters (PROTOCOL.md §3).", nameof(messageRef));
        return SendCoreAsync(room, text, messageRef, cancellationToken);
    }

    /// <summary>Sends a direct message to user <paramref name="toUserId"/>; completes with its id from the <c>ack</c>.
    /// Resent after a reconnect like <see cref="SendAsync(string, string, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentException">An empty user id or text.</exception>
    /// <returns>The id; a task faulted with <see cref="ChatServerException"/> (<c>user_not_found</c>, …) or <see cref="ChatClientClosedException"/>.</returns>
    public Task<long> SendDmAsync(string toUserId, string text, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(toUserId);
        ArgumentException.ThrowIfNullOrEmpty(text);
        string r = NextRef(out long sequence);
        return Submit(new PendingRequest<long>(r, RequestKind.Dm, ClientMessageWriter.Dm(toUserId, text, r), null, sequence, AckId), cancellationToken);
    }

    /// <summary>
    /// Tells the other members of <paramref name="room"/> that this user is typing, or stopped. Fire and forget:
    /// nothing answers it but an <c>error</c> (raised by <see cref="ErrorReceived"/>), and it is not kept for a
    /// reconnect (a stale indicator is worse than none).
    /// </summary>
    /// <returns>True when queued on a live connection, false when not connected (dropped).</returns>
    /// <exception cref="ArgumentException"><paramref name="room"/> is not a valid room name.</exception>
    public ValueTask<bool> TypingAsync(string room, bool isTyping, CancellationToken cancellationToken = default)
    {
        ValidateRoom(room);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_closed is not null || _closing) return ValueTask.FromException<bool>(ClosedError());
            return ValueTask.FromResult(_connection?.Enqueue(ClientMessageWriter.Typing(room, isTyping)) ?? false);
        }
    }

    /// <summary>The members of <paramref name="room"/> (<c>list_users</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="room"/> is not a valid room name.</exception>
    /// <returns>A task faulted with <see cref="ChatServerException"/> <c>room_not_found</c> for a room nobody is in.</returns>
    public Task<IReadOnlyList<ChatMember>> ListUsersAsync(string room, CancellationToken cancellationToken = default)
    {
        ValidateRoom(room);
        string r = NextRef(out long sequence);
        return Submit(new PendingRequest<IReadOnlyList<ChatMember>>(r, RequestKind.ListUsers, ClientMessageWriter.ListUsers(room, r), room, sequence,
            static m => m.Users ?? throw new InvalidOperationException("users without a list")), cancellationToken);
    }

    /// <summary>A page of <paramref name="room"/>'s history: up to <paramref name="limit"/> messages older than
    /// <paramref name="before"/> (or the newest), oldest first. Not passed through <see cref="MessageReceived"/>.</summary>
    /// <param name="room">The room.</param>
    /// <param name="before">Only ids below this; null for the newest.</param>
    /// <param name="limit">1 to 100; null for the server's default (50).</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <exception cref="ArgumentException">An invalid room name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> outside 1..100 or a negative <paramref name="before"/>.</exception>
    public Task<ChatHistoryPage<ChatMessage>> HistoryAsync(string room, long? before = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        ValidateRoom(room);
        ValidatePage(before, limit);
        string r = NextRef(out long sequence);
        return Submit(new PendingRequest<ChatHistoryPage<ChatMessage>>(r, RequestKind.History, ClientMessageWriter.History(room, null, before, limit, r), room, sequence,
            static m => new ChatHistoryPage<ChatMessage>(m.RoomMessages ?? [], m.HasMore ?? false)), cancellationToken);
    }

    /// <summary>A page of the direct messages between this user and <paramref name="userId"/>, oldest first.</summary>
    /// <exception cref="ArgumentException">An empty user id.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> outside 1..100 or a negative <paramref name="before"/>.</exception>
    public Task<ChatHistoryPage<ChatDirectMessage>> DmHistoryAsync(string userId, long? before = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ValidatePage(before, limit);
        string r = NextRef(out long sequence);
        return Submit(new PendingRequest<ChatHistoryPage<ChatDirectMessage>>(r, RequestKind.History, ClientMessageWriter.History(null, userId, before, limit, r), null, sequence,
            static m => new ChatHistoryPage<ChatDirectMessage>(m.DirectMessages ?? [], m.HasMore ?? false)), cancellationToken);
    }

    /// <summary>An application-level <c>ping</c>; completes with the time until its <c>pong</c> (measured with the
    /// options' <see cref="TimeProvider"/>; across a reconnect when the connection was lost meanwhile).</summary>
    public Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        string r = NextRef(out long sequence);
        long start = _time.GetTimestamp();
        return Submit(new PendingRequest<TimeSpan>(r, RequestKind.Ping, ClientMessageWriter.Ping(r), null, sequence, _ => _time.GetElapsedTime(start)), cancellationToken);
    }

    private Task<long> SendCoreAsync(string room, string text, string? messageRef, CancellationToken cancellationToken)
    {
        ValidateRoom(room);
        ArgumentException.ThrowIfNullOrEmpty(text);
        string r = NextRef(out long sequence);
        if (messageRef is not null) r = messageRef;
        var request = new PendingRequest<long>(r, RequestKind.Message, ClientMessageWriter.Message(room, text, r), room, sequence, AckId);
        lock (_lock)
        {
            if (messageRef is not null && _pending.ContainsKey(messageRef)) throw new ArgumentException("A request with this ref is pending.", nameof(messageRef));
        }

        return Submit(request, cancellationToken);
    }

    // Registers the request by its ref and sends it now if connected; otherwise the next connection sends it.
    private Task<T> Submit<T>(PendingRequest<T> request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_closed is not null || _closing) return Task.FromException<T>(ClosedError());
            _pending.Add(request.Ref, request);
            _connection?.Enqueue(request.Payload);
        }

        return Watch(request, cancellationToken);
    }

    private Task<T> Watch<T>(PendingRequest<T> request, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            request.Cancellation = cancellationToken.Register(static (state, token) =>
            {
                var (client, pending) = ((ChatClient, PendingRequest))state!;
                client.Abandon(pending, token);
            }, (this, (PendingRequest)request));
        }

        return request.TypedTask;
    }

    // Cancelled by the caller: forget it (no resend, its reply is ignored). A join keeps the room: the application
    // may still be in it; LeaveAsync takes it out.
    private void Abandon(PendingRequest request, CancellationToken cancellationToken)
    {
        lock (_lock) _pending.Remove(request.Ref);
        request.Cancel(cancellationToken);
    }

    private static long AckId(ServerMessage m) => m.Id ?? throw new InvalidOperationException("The server's ack carries no id.");

    private static ChatJoined ToJoined(ServerMessage m, bool isRejoin) =>
        new(m.Room!, m.Users ?? [], m.LastId ?? 0, m.Recovered ?? false, isRejoin);

    private static void ValidateRoom(string room)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        if (room.Length > MaxRoomLength || room.AsSpan().ContainsAnyExcept(s_roomChars))
        {
            throw new ArgumentException("A room name is 1 to 64 characters from [A-Za-z0-9_.:-] (PROTOCOL.md §3).", nameof(room));
        }
    }

    private static void ValidatePage(long? before, int? limit)
    {
        if (before is { } b) ArgumentOutOfRangeException.ThrowIfNegative(b, nameof(before));
        if (limit is { } l && (l < 1 || l > MaxHistoryLimit)) throw new ArgumentOutOfRangeException(nameof(limit), l, "limit is 1 to 100 (PROTOCOL.md §3).");
    }
}
