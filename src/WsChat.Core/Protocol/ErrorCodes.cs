using System.Diagnostics;

namespace WsChat.Core.Protocol;

/// <summary>Wire names of <see cref="ErrorCode"/> values.</summary>
internal static class ErrorCodes
{
    /// <summary>The §4 wire name of <paramref name="code"/>, e.g. <c>bad_request</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="code"/> is <see cref="ErrorCode.None"/> or undefined.</exception>
    public static ReadOnlySpan<byte> Utf8Name(ErrorCode code) => code switch
    {
        ErrorCode.BadRequest => ProtocolNames.BadRequest,
        ErrorCode.Unauthenticated => ProtocolNames.Unauthenticated,
        ErrorCode.Forbidden => ProtocolNames.Forbidden,
        ErrorCode.NotMember => ProtocolNames.NotMember,
        ErrorCode.RoomNotFound => ProtocolNames.RoomNotFound,
        ErrorCode.UserNotFound => ProtocolNames.UserNotFound,
        ErrorCode.RateLimited => ProtocolNames.RateLimited,
        ErrorCode.TooLarge => ProtocolNames.TooLarge,
        ErrorCode.TooManyRooms => ProtocolNames.TooManyRooms,
        ErrorCode.ServerBusy => ProtocolNames.ServerBusy,
        ErrorCode.Internal => ProtocolNames.Internal,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Not a protocol error code."),
    };

    /// <summary>All codes of §4, in the order PROTOCOL.md lists them.</summary>
    public static ReadOnlySpan<ErrorCode> All =>
    [
        ErrorCode.BadRequest, ErrorCode.Unauthenticated, ErrorCode.Forbidden, ErrorCode.NotMember,
        ErrorCode.RoomNotFound, ErrorCode.UserNotFound, ErrorCode.RateLimited, ErrorCode.TooLarge,
        ErrorCode.TooManyRooms, ErrorCode.ServerBusy, ErrorCode.Internal,
    ];
}
