namespace WsChat.Core.Protocol;

/// <summary>The <c>type</c> of a client message (PROTOCOL.md §3).</summary>
internal enum CommandType : byte
{
    /// <summary>Not a command: the default of an unparsed <see cref="ClientCommand"/>.</summary>
    None = 0,
    Auth,
    Join,
    Leave,
    Message,
    Dm,
    Typing,
    ListUsers,
    History,
    Ping,
}
