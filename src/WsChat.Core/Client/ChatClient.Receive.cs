using System.Collections.Frozen;
using System.Text;
using WsChat.Core.Protocol;

namespace WsChat.Core.Client;

public sealed partial class ChatClient
{
    // Wire name → code, built once from the server's own table (ErrorCodes), so the two cannot drift apart.
    private static readonly FrozenDictionary<string, ChatErrorCode> s_errorCodes = ErrorCodes.All.ToArray()
        .ToFrozenDictionary(code => Encoding.UTF8.GetString(ErrorCodes.Utf8Name(code)), code => (ChatErrorCode)(int)code, StringComparer.Ordinal);

    // The receive loop's message, reused for every message (ServerMessage says what is handed out).
    private readonly ServerMessage _received = new();

    // One server message (PROTOCOL.md §4), on the receive loop. Events are raised outside the lock.
    private void Dispatch(ServerMessage m)
    {
        switch (m.Kind)
        {
            case ServerMessageKind.Message:
                OnRoomMessage(m);
                break;
            case ServerMessageKind.Dm:
                Raise(DirectMessageReceived, new ChatDirectMessage(m.Id!.Value, m.From!, m.FromId!, m.To!, m.Text!, ServerMessageParser.ToTime(m.Timestamp!.Value)));
                break;
            case ServerMessageKind.Presence:
                Raise(PresenceChanged, new ChatPresence(m.Room!, m.User ?? m.UserId!, m.UserId!, m.StatusText == "online"));
                break;
            case ServerMessageKind.Typing:
                Raise(TypingChanged, new ChatTyping(m.Room!, m.User ?? m.UserId!, m.UserId!, m.StatusBool!.Value));
                break;
            case ServerMessageKind.Joined:
                OnJoined(m);
                break;
            case ServerMessageKind.Error:
                OnError(m);
                break;
            case ServerMessageKind.Left:
            case ServerMessageKind.Users:
            case ServerMessageKind.History:
            case ServerMessageKind.Ack:
            case ServerMessageKind.Pong:
                if (TakePending(m) is { } request) request.Complete(m);
                break;
            default:
                break;      // welcome again, or a type of a newer protocol
        }
    }

    // Exactly once, in id order: the room's ids only increase (PROTOCOL.md §4), so anything at or below the last
    // delivered id is a replay of what arrived before a reconnect.
    private void OnRoomMessage(ServerMessage m)
    {
        long id = m.Id!.Value;
        lock (_lock)
        {
            if (!_rooms.TryGetValue(m.Room!, out RoomState? room) || !room.HasBaseline || id <= room.LastId) return;
            room.LastId = id;
        }

        Raise(MessageReceived, new ChatMessage(m.Room!, id, m.From!, m.FromId!, m.Text!, ServerMessageParser.ToTime(m.Timestamp!.Value)));
    }

    private void OnJoined(ServerMessage m)
    {
        string name = m.Room!;
        long lastId = m.LastId!.Value;
        bool recovered = m.Recovered ?? false;
        PendingRequest? request = TakePending(m);
        ChatRecoveryGap? gap = null;
        bool isRejoin;
        lock (_lock)
        {
            if (!_rooms.TryGetValue(name, out RoomState? room))
            {
                // Left before this answer: no event, nothing delivered from it.
                if (request is PendingRequest<ChatJoined> stale && !stale.Internal) stale.Complete(ToJoined(m, isRejoin: false));
                return;
            }

            long? since = request?.Since;
            isRejoin = since is not null;
            if (since is null)
            {
                // A first join: deliver from the room's newest message on (nothing before it was asked for).
                if (!room.HasBaseline)
                {
                    room.LastId = lastId;
                    room.HasBaseline = true;
                }
            }
            else if (lastId < room.LastId)
            {
                // The room's ids went back: the server lost its history (a restart without storage). Its ids are
                // the truth from now on, or every new message would be dropped as seen.
                gap = new ChatRecoveryGap(name, room.LastId, lastId);
                room.LastId = lastId;
            }
            else if (!recovered)
            {
                gap = new ChatRecoveryGap(name, room.LastId, lastId);   // more than the replay bound was missed
            }
        }

        var joined = ToJoined(m, isRejoin);
        if (request is PendingRequest<ChatJoined> join && !join.Internal) join.Complete(joined);
        Raise(Joined, joined);
        if (gap is not null) Raise(RecoveryGap, gap);
    }

    private void OnError(ServerMessage m)
    {
        ChatError error = ToError(m);
        PendingRequest? request = error.Ref is null ? null : TakePending(m);
        if (request is null)
        {
            Raise(ErrorReceived, error);
            return;
        }

        if (request.Kind == RequestKind.Join)
        {
            // A refused join leaves the client out of the room (a refused rejoin too: the application hears of it).
            lock (_lock)
            {
                if (_rooms.TryGetValue(request.Target!, out RoomState? room) && room.JoinRef == request.Ref && (request.Internal || !room.HasBaseline))
                {
                    _rooms.Remove(request.Target!);
                }
            }
        }

        if (request.Internal) Raise(ErrorReceived, error);
        else request.Fail(new ChatServerException(error));
    }

    // The request this reply answers (removed from the table), or null: no ref, an abandoned request, or a reply of
    // a type that does not answer it.
    private PendingRequest? TakePending(ServerMessage m)
    {
        if (m.Ref is null) return null;
        lock (_lock)
        {
            if (!_pending.TryGetValue(m.Ref, out PendingRequest? request)) return null;
            if (m.Kind != ServerMessageKind.Error && !request.IsAnsweredBy(m.Kind)) return null;
            _pending.Remove(m.Ref);
            return request;
        }
    }

    private static ChatError ToError(ServerMessage m)
    {
        string code = m.Code ?? "";
        return new ChatError(
            s_errorCodes.GetValueOrDefault(code, ChatErrorCode.Unknown),
            code,
            m.ErrorMessage ?? "",
            m.Ref,
            m.RetryAfterMs is { } ms && ms >= 0 ? TimeSpan.FromMilliseconds(ms) : null);
    }
}
