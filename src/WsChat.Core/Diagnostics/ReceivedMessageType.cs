namespace WsChat.Core.Diagnostics;

/// <summary>The <c>type</c> of a client message as counted by <c>wschat_messages_received_total</c>
/// (PROTOCOL.md §3), plus <see cref="Invalid"/> for a message that did not parse.</summary>
internal enum ReceivedMessageType
{
    Auth,
    Join,
    Leave,
    Message,
    Dm,
    Typing,
    ListUsers,
    History,
    Ping,
    /// <summary>Not a valid client message (answered with <c>bad_request</c>).</summary>
    Invalid,
}
