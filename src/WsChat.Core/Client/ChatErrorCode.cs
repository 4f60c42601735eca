namespace WsChat.Core.Client;

/// <summary>The error codes of PROTOCOL.md §4 (<see cref="ChatError.CodeName"/> keeps the wire name, also of codes
/// newer than this client).</summary>
public enum ChatErrorCode
{
    /// <summary>A code this client does not know (see <see cref="ChatError.CodeName"/>).</summary>
    Unknown = 0,
    /// <summary><c>bad_request</c>: the request was malformed (a client bug).</summary>
    BadRequest,
    /// <summary><c>unauthenticated</c>: the token was refused.</summary>
    Unauthenticated,
    /// <summary><c>forbidden</c>: e.g. a token refresh for another user.</summary>
    Forbidden,
    /// <summary><c>not_member</c>: the request needs the room joined.</summary>
    NotMember,
    /// <summary><c>room_not_found</c>.</summary>
    RoomNotFound,
    /// <summary><c>user_not_found</c>: a DM to a user who is not online (persistence off).</summary>
    UserNotFound,
    /// <summary><c>rate_limited</c>: dropped; see <see cref="ChatError.RetryAfter"/>.</summary>
    RateLimited,
    /// <summary><c>too_large</c>: the text is longer than the server allows.</summary>
    TooLarge,
    /// <summary><c>too_many_rooms</c>.</summary>
    TooManyRooms,
    /// <summary><c>server_busy</c>: not stored (storage unavailable, or the server is draining); safe to retry
    /// with the same ref (<see cref="ChatClient.SendAsync(string, string, string, CancellationToken)"/>).</summary>
    ServerBusy,
    /// <summary><c>internal</c>: the server failed.</summary>
    Internal,
}
