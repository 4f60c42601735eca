namespace WsChat.Core.Client;

/// <summary>What a pending request asked, so a reply of the wrong type is not taken for its answer.</summary>
internal enum RequestKind : byte
{
    Join,
    Leave,
    Message,
    Dm,
    ListUsers,
    History,
    Ping,
    Auth,
}
