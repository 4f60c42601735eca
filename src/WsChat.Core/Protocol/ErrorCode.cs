namespace WsChat.Core.Protocol;

/// <summary>The error codes of PROTOCOL.md §4; <see cref="ErrorCodes.Utf8Name"/> gives the wire name.</summary>
internal enum ErrorCode : byte
{
    /// <summary>No error (the default of <see cref="ProtocolError"/>).</summary>
    None = 0,
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotMember,
    RoomNotFound,
    UserNotFound,
    RateLimited,
    TooLarge,
    TooManyRooms,
    ServerBusy,
    Internal,
}
