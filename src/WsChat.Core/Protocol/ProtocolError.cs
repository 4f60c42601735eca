namespace WsChat.Core.Protocol;

/// <summary>
/// Why a client message was refused: the §4 error code (<see cref="ErrorCode.BadRequest"/> or
/// <see cref="ErrorCode.TooLarge"/> from the reader) and a short English message for the client.
/// </summary>
/// <remarks><see cref="Message"/> is always a string literal, so a refusal allocates nothing.</remarks>
internal readonly struct ProtocolError(ErrorCode code, string message)
{
    public ErrorCode Code { get; } = code;

    public string Message { get; } = message ?? string.Empty;

    public bool IsError => Code != ErrorCode.None;

    public override string ToString() => $"{Code}: {Message}";
}
