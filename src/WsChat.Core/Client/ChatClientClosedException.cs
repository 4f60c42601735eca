using WsChat.Net.WebSockets;

namespace WsChat.Core.Client;

/// <summary>
/// The <see cref="ChatClient"/> is closed for good, so the request cannot complete: the application closed it, or the
/// server ended the session in a way that reconnecting would only repeat (close 1008, a refused token, a refused
/// handshake; docs/client.md lists the rule).
/// </summary>
public sealed class ChatClientClosedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChatClientClosedException(string message, WebSocketCloseCode closeCode = WebSocketCloseCode.None, ChatError? error = null, Exception? innerException = null)
        : base(message, innerException)
    {
        CloseCode = closeCode;
        Error = error;
    }

    /// <summary>The close code the server sent (e.g. 1008); <see cref="WebSocketCloseCode.None"/> when closed by the
    /// application or refused before the upgrade (see <see cref="Exception.InnerException"/>).</summary>
    public WebSocketCloseCode CloseCode { get; }

    /// <summary>The server's <c>error</c> that came with the close, e.g. <c>unauthenticated</c> for a refused token.</summary>
    public ChatError? Error { get; }
}
