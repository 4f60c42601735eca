using WsChat.Net.Buffers;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Ports;

/// <summary>
/// What the chat sees of one client connection: an id, a way to queue a frame, a way to close.
/// The chat's shards talk only to this port, so they run (and are tested) without a socket.
/// </summary>
/// <remarks>
/// The connection's identity (user id, name, token expiry) is kept by the chat next to this port,
/// in its per-connection session, because it is learned after the connection opens (by an
/// <c>auth</c> message) and changes on refresh; a transport never needs to know it.
/// <para>Thread-safety: every member may be called from any thread, concurrently.</para>
/// </remarks>
public interface IChatConnection
{
    /// <summary>Unique among the server's live connections; sent to the client as <c>session</c>.</summary>
    long Id { get; }

    /// <summary>
    /// Queues a sealed frame for sending and takes over one reference to it (the caller calls
    /// <see cref="SharedFrame.AddRef"/> first when it keeps using the frame). Never blocks.
    /// </summary>
    /// <returns>False when the connection refuses the frame — it is closing, or its outbound queue is
    /// over its bound (a slow consumer); the reference is released either way.</returns>
    bool TrySend(SharedFrame frame);

    /// <summary>Starts the close handshake with <paramref name="code"/> and <paramref name="reason"/>
    /// (at most 123 UTF-8 bytes). Frames queued before are sent first. Idempotent: later calls do nothing.</summary>
    void Close(WebSocketCloseCode code, string reason);
}
