namespace WsChat.Core.Protocol;

/// <summary>
/// Why a client message was refused: the §4 error code (<see cref="ErrorCode.BadRequest"/> or
/// <see cref="ErrorCode.TooLarge"/> from the reader) and a short English message for the client.
/// </summary>
/// <remarks><see cref="Message"/> is always a string literal, so a refusal allocates nothing.</remarks>
internal readonly struct ProtocolError(ErrorCode code, string message)
{
    private readonly string? _message = message;

    /// <summary>The §4 code; <see cref="ErrorCode.None"/> when there is no error.</summary>
    public ErrorCode Code { get; } = code;

    /// <summary>What was wrong, for the client's <c>error.message</c>; empty when there is no error.</summary>
    public string Message => _message ?? string.Empty;

    public bool IsError => Code != ErrorCode.None;

    public override string ToString() => $"{Code}: {Message}";
}
