namespace WsChat.Core.Client;

/// <summary>Where a <see cref="ChatClient"/> is in its life (see <see cref="ChatClient.StateChanged"/>).</summary>
public enum ChatConnectionState
{
    /// <summary>Not connected yet: <see cref="ChatClient.ConnectAsync"/> was not called, or its first attempts are running.</summary>
    Connecting = 0,

    /// <summary>Authenticated (the server's <c>welcome</c> arrived); requests go out at once.</summary>
    Connected = 1,

    /// <summary>The connection was lost; the client waits its backoff and connects again. Requests made meanwhile
    /// wait and are sent once connected.</summary>
    Reconnecting = 2,

    /// <summary>Final: closed by the application, or by the server in a way that must not be retried (see
    /// docs/client.md). Pending and new requests fail with <see cref="ChatClientClosedException"/>.</summary>
    Closed = 3,
}
