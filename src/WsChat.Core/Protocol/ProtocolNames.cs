namespace WsChat.Core.Protocol;

/// <summary>
/// Every wire name of PROTOCOL.md §3-§4, defined once as a UTF-8 literal. The reader matches
/// property names and type values against these with <c>Utf8JsonReader.ValueTextEquals</c>; the
/// writer pre-encodes them once (<see cref="ServerMessageWriter"/>).
/// </summary>
internal static class ProtocolNames
{
    // Property names.
    public static ReadOnlySpan<byte> Type => "type"u8;
    public static ReadOnlySpan<byte> Ref => "ref"u8;
    public static ReadOnlySpan<byte> Token => "token"u8;
    public static ReadOnlySpan<byte> Room => "room"u8;
    public static ReadOnlySpan<byte> Since => "since"u8;
    public static ReadOnlySpan<byte> Text => "text"u8;
    public static ReadOnlySpan<byte> To => "to"u8;
    public static ReadOnlySpan<byte> Status => "status"u8;
    public static ReadOnlySpan<byte> Dm => "dm"u8;
    public static ReadOnlySpan<byte> Limit => "limit"u8;
    public static ReadOnlySpan<byte> Before => "before"u8;
    public static ReadOnlySpan<byte> UserId => "user_id"u8;
    public static ReadOnlySpan<byte> Username => "username"u8;
    public static ReadOnlySpan<byte> Session => "session"u8;
    public static ReadOnlySpan<byte> HeartbeatMs => "heartbeat_ms"u8;
    public static ReadOnlySpan<byte> Users => "users"u8;
    public static ReadOnlySpan<byte> LastId => "last_id"u8;
    public static ReadOnlySpan<byte> Recovered => "recovered"u8;
    public static ReadOnlySpan<byte> Id => "id"u8;
    public static ReadOnlySpan<byte> From => "from"u8;
    public static ReadOnlySpan<byte> FromId => "from_id"u8;
    public static ReadOnlySpan<byte> Timestamp => "timestamp"u8;
    public static ReadOnlySpan<byte> User => "user"u8;
    public static ReadOnlySpan<byte> Messages => "messages"u8;
    public static ReadOnlySpan<byte> HasMore => "has_more"u8;
    public static ReadOnlySpan<byte> Code => "code"u8;
    public static ReadOnlySpan<byte> Message => "message"u8;
    public static ReadOnlySpan<byte> RetryAfterMs => "retry_after_ms"u8;
    public static ReadOnlySpan<byte> ExpiresAt => "expires_at"u8;   // ack of a token refresh (docs/protocol.md)

    // Client → server type values (§3).
    public static ReadOnlySpan<byte> TypeAuth => "auth"u8;
    public static ReadOnlySpan<byte> TypeJoin => "join"u8;
    public static ReadOnlySpan<byte> TypeLeave => "leave"u8;
    public static ReadOnlySpan<byte> TypeMessage => "message"u8;
    public static ReadOnlySpan<byte> TypeDm => "dm"u8;
    public static ReadOnlySpan<byte> TypeTyping => "typing"u8;
    public static ReadOnlySpan<byte> TypeListUsers => "list_users"u8;
    public static ReadOnlySpan<byte> TypeHistory => "history"u8;
    public static ReadOnlySpan<byte> TypePing => "ping"u8;

    // Server → client type values (§4) not already above.
    public static ReadOnlySpan<byte> TypeWelcome => "welcome"u8;
    public static ReadOnlySpan<byte> TypeJoined => "joined"u8;
    public static ReadOnlySpan<byte> TypeLeft => "left"u8;
    public static ReadOnlySpan<byte> TypePresence => "presence"u8;
    public static ReadOnlySpan<byte> TypeUsers => "users"u8;
    public static ReadOnlySpan<byte> TypeAck => "ack"u8;
    public static ReadOnlySpan<byte> TypeError => "error"u8;
    public static ReadOnlySpan<byte> TypePong => "pong"u8;

    // presence.status values (§4).
    public static ReadOnlySpan<byte> StatusOnline => "online"u8;
    public static ReadOnlySpan<byte> StatusOffline => "offline"u8;

    // error.code values (§4); ErrorCodes maps ErrorCode to these.
    public static ReadOnlySpan<byte> BadRequest => "bad_request"u8;
    public static ReadOnlySpan<byte> Unauthenticated => "unauthenticated"u8;
    public static ReadOnlySpan<byte> Forbidden => "forbidden"u8;
    public static ReadOnlySpan<byte> NotMember => "not_member"u8;
    public static ReadOnlySpan<byte> RoomNotFound => "room_not_found"u8;
    public static ReadOnlySpan<byte> UserNotFound => "user_not_found"u8;
    public static ReadOnlySpan<byte> RateLimited => "rate_limited"u8;
    public static ReadOnlySpan<byte> TooLarge => "too_large"u8;
    public static ReadOnlySpan<byte> TooManyRooms => "too_many_rooms"u8;
    public static ReadOnlySpan<byte> ServerBusy => "server_busy"u8;
    public static ReadOnlySpan<byte> Internal => "internal"u8;
}
