namespace WsChat.Core.Client;

/// <summary>The <c>type</c> of a server message (PROTOCOL.md §4).</summary>
internal enum ServerMessageKind : byte
{
    /// <summary>A type this client does not know: ignored, so that newer servers can add types.</summary>
    Unknown = 0,
    Welcome,
    Joined,
    Left,
    Message,
    Dm,
    Presence,
    Typing,
    Users,
    History,
    Ack,
    Error,
    Pong,
}
