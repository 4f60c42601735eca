using WsChat.Net.WebSockets;

namespace WsChat.Core.Client;

/// <summary>A change of <see cref="ChatClient.State"/>, raised by <see cref="ChatClient.StateChanged"/>.</summary>
/// <param name="Previous">The state before.</param>
/// <param name="Current">The state now.</param>
/// <param name="CloseCode">When a connection ended: the close code the server sent (1006 when TCP ended without
/// one); <see cref="WebSocketCloseCode.None"/> otherwise.</param>
/// <param name="Error">What ended the connection or the client, when it was an error (a refused handshake, a reset
/// socket, <see cref="ChatClientClosedException"/> for a final close); null otherwise.</param>
public sealed record ChatConnectionStateChange(ChatConnectionState Previous, ChatConnectionState Current, WebSocketCloseCode CloseCode, Exception? Error);
