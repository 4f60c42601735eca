using System.Net;
using System.Net.Sockets;
using WsChat.Net.Buffers;
using WsChat.Net.WebSockets;

namespace WsChat.Net.Transport;

/// <summary>
/// One accepted connection of a <see cref="WebSocketServer"/>: an HTTP request, then (after an upgrade) a
/// WebSocket. Handlers get it in <see cref="IWebSocketHandler"/> callbacks and keep it to send.
/// </summary>
/// <remarks>
/// <para>Thread-safety: <see cref="TrySend"/>, <see cref="SendPing"/> and <see cref="Close"/> may be called from any
/// thread at any time, also after the connection closed (they then do nothing and return false). Frames queued
/// by one thread go out in the order queued.</para>
/// <para>Memory: an idle connection holds this object, its socket and a slot in the server's table; receive
/// and send buffers are rented only while bytes are in flight (docs/architecture.md).</para>
/// </remarks>
public sealed partial class WebSocketConnection : IThreadPoolWorkItem, IReadableCallback
{
    private readonly WebSocketServer _server;
    private readonly ConnectionSocket _socket;  // the engine's socket (ManagedConnectionSocket, or the epoll engine's)
    private readonly long _id;
    private WebSocketEndpoint? _endpoint;       // set when upgraded
    private object? _userState;
    private ReceiveState? _rx;                  // reader and receive buffer, rented only while bytes are in flight
    private OutboundQueue _outbound;            // 40 bytes: queued SharedFrame refs, their bytes, sender flags
    private int _phase;                         // ConnectionPhase, CAS-guarded between the read loop and the timer
    private WebSocketCloseCode _closeCode;      // what OnClose reports

    internal WebSocketConnection(WebSocketServer server, ConnectionSocket socket)
    {
        _server = server;
        _socket = socket;
        _id = server.Connections.Add(this, Environment.TickCount64);
    }

    /// <summary>The connection's id: its slot in the server's table and the slot's generation, unique among live
    /// connections and never reused by a later connection of the same server. Thread-safe.</summary>
    public long Id => _id;

    /// <summary>Where it stands in the RFC 6455 life cycle. Thread-safe; may be stale by the time it is read.</summary>
    public WebSocketConnectionState State => (ConnectionPhase)Volatile.Read(ref _phase) switch
    {
        ConnectionPhase.Handshaking or ConnectionPhase.Upgrading => WebSocketConnectionState.Handshaking,
        ConnectionPhase.Open => WebSocketConnectionState.Open,
        ConnectionPhase.CloseSent => WebSocketConnectionState.CloseSent,
        ConnectionPhase.CloseReceived => WebSocketConnectionState.CloseReceived,
        _ => WebSocketConnectionState.Closed,
    };

    /// <summary>The state object attached by <see cref="UpgradeDecision.Accept"/>; null when none. Settable by the
    /// owner (e.g. after a later authentication). Reads and writes are atomic; synchronising its content is yours.</summary>
    public object? UserState
    {
        get => Volatile.Read(ref _userState);
        set => Volatile.Write(ref _userState, value);
    }

    /// <summary>The peer's address and port. Null only if the socket could not report it.</summary>
    public IPEndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    /// <summary>Bytes queued and not yet handed to the kernel (the measure of <see cref="WebSocketServerOptions.MaxOutboundBytes"/>).
    /// Thread-safe; a snapshot.</summary>
    public long OutboundBytes => Volatile.Read(ref _outbound.QueuedBytes);

    internal WebSocketServer Server => _server;

    internal ConnectionPhase Phase => (ConnectionPhase)Volatile.Read(ref _phase);

    /// <summary>
    /// Queues a sealed frame to this connection, taking over one reference: the connection releases it once sent
    /// (or when it closes). Never blocks: when nothing is queued, the calling thread hands the frame to the kernel
    /// with one non-blocking send; otherwise (or for what the kernel did not take) the connection's sender on the
    /// thread pool writes it, several queued frames per system call. Thread-safe.
    /// </summary>
    /// <returns>
    /// True when queued. False when the connection is closing or closed, or when queueing would take its unsent
    /// output past <see cref="WebSocketServerOptions.MaxOutboundBytes"/>: then the frame's reference is released and
    /// the connection is closed with 1008 "slow consumer" (PROTOCOL.md §5). The caller never waits for a slow peer.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="frame"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="frame"/> is not sealed.</exception>
    public bool TrySend(SharedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!frame.IsSealed) ThrowHelper.ThrowFrameNotSealed(nameof(frame));
        EnqueueResult result = Enqueue(frame, control: false);
        if (result == EnqueueResult.OverBound) _server.Metrics.SlowConsumerClosed();
        if (result == EnqueueResult.OverBound) Close(WebSocketCloseCode.PolicyViolation, "slow consumer");
        return result == EnqueueResult.Queued;
    }

    /// <summary>Queues a ping with an empty payload (not counted against the outbound bound). Thread-safe.</summary>
    /// <returns>False when the connection is not open.</returns>
    public bool SendPing() => Enqueue(ControlFrames.Ping.AddRef(), control: true) == EnqueueResult.Queued;

    /// <summary>
    /// Starts the close handshake (RFC 6455 §7.1.2): queues a close frame with <paramref name="code"/> and
    /// <paramref name="reason"/> behind the frames already queued, stops accepting frames, and waits up to
    /// <see cref="WebSocketServerOptions.CloseTimeout"/> for the peer's close before closing TCP. A connection still
    /// in its HTTP handshake is closed at once. Idempotent and thread-safe: only the first call's code counts.
    /// </summary>
    /// <param name="code">The close code: 1000-1003, 1007-1014 or 3000-4999.</param>
    /// <param name="reason">A short UTF-8 reason, truncated to 123 bytes on a code point boundary.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="code"/> may not be sent (RFC 6455 §7.4).</exception>
    public void Close(WebSocketCloseCode code, string reason = "")
    {
        if (!CloseCodes.IsValidReceived((ushort)code)) ThrowHelper.ThrowCloseCodeNotSendable(nameof(code));
        StartClose(code, reason ?? string.Empty, fail: false);
    }

    /// <inheritdoc cref="object.ToString"/>
    public override string ToString() => $"ws#{_id:x}";
}
