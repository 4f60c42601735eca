using System.Net;

namespace WsChat.Net.Transport;

/// <summary>
/// Settings of a <see cref="WebSocketServer"/>. Every property is init-only and has a default chosen for a
/// chat server holding many mostly idle connections (PROTOCOL.md §5); the options object is read once by
/// the server's constructor and may be shared between servers.
/// </summary>
public sealed class WebSocketServerOptions
{
    /// <summary>Where to listen. Default <c>0.0.0.0:8080</c> (PROTOCOL.md §1). Port 0 picks a free port;
    /// read the bound one from <see cref="WebSocketServer.LocalEndPoint"/>.</summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Any, 8080);

    /// <summary>Listen backlog. Default 512: a reconnect storm of thousands of clients arrives faster than one
    /// accept loop drains it, and the kernel clamps the value to <c>net.core.somaxconn</c> anyway.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>Longest request line (method, target, version). Default 8 KiB; past it the server answers
    /// 414 and closes (PROTOCOL.md §5).</summary>
    public int MaxRequestLineBytes { get; init; } = 8 * 1024;

    /// <summary>Largest request head (request line and all headers). Default 32 KiB; past it 431.</summary>
    public int MaxRequestHeadBytes { get; init; } = 32 * 1024;

    /// <summary>Most headers in a request head. Default 100; past it 431.</summary>
    public int MaxRequestHeaders { get; init; } = 100;

    /// <summary>Time from accept to a complete request head. Default 10 s; past it 408 and close, so a client
    /// that dribbles or never finishes its head cannot hold a connection (PROTOCOL.md §5).</summary>
    public TimeSpan RequestHeadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for the peer's close frame after sending ours, and for the peer to close TCP
    /// after the close handshake. Default 5 s; then the socket is closed (PROTOCOL.md §5).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bound on a connection's unsent output. Default 1 MiB; a connection past it is a slow consumer:
    /// <see cref="WebSocketConnection.TrySend"/> refuses the frame and the connection is closed with 1008
    /// "slow consumer", so one stalled reader never holds back a room or grows memory (PROTOCOL.md §5).</summary>
    public long MaxOutboundBytes { get; init; } = 1024 * 1024;

    /// <summary>Heartbeat interval. A connection that sent nothing for one interval is pinged; one silent for
    /// two intervals is closed with 1001. Pings are spread over the interval by connection slot, so no tick
    /// pings everyone at once. Default 30 s (PROTOCOL.md §5); <see cref="TimeSpan.Zero"/> turns heartbeats off.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Origins a browser may upgrade from, besides none (non-browser clients) and the same host as
    /// <c>Host</c>. Compared case-insensitively with the whole <c>Origin</c> header (e.g.
    /// <c>https://chat.example.com</c>). Default empty; others get 403 (PROTOCOL.md §5).</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>How long <see cref="WebSocketServer.DrainAsync"/> waits for close replies before closing the
    /// remaining sockets. Default 10 s (PROTOCOL.md §5).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Resolution of the connection timer (head timeout, close timeout, heartbeat). Default 250 ms:
    /// coarse enough that one timer scans every connection cheaply, fine enough for second-scale timeouts.
    /// Tests with short timeouts lower it.</summary>
    public TimeSpan TimerResolution { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The socket engine of the server's connections. Default <see cref="SocketEngine.Auto"/>: wschat's own
    /// epoll loop on Linux (an idle connection costs ~0.2 KB instead of ~1.2 KB for a System.Net.Sockets socket,
    /// docs/benchmarks.md), System.Net.Sockets elsewhere. <see cref="SocketEngine.Epoll"/> off Linux makes
    /// <see cref="WebSocketServer.Start"/> throw <see cref="PlatformNotSupportedException"/>.</summary>
    public SocketEngine SocketEngine { get; init; } = SocketEngine.Auto;

    /// <summary>On the epoll engine, send a fan-out's frames (a chat shard's room message to its members) with one
    /// io_uring submission of fixed-file sends instead of one send() per member. Default true; where io_uring cannot be
    /// set up (kernels before 5.6, <c>kernel.io_uring_disabled</c>, seccomp) sends use send() as when false. Costs the
    /// kernel 8 bytes per descriptor slot per sending thread (512 KiB each at 65,536 slots); docs/benchmarks.md
    /// "Server CPU per delivery" has what it saves.</summary>
    public bool IoUringSends { get; init; } = true;

    /// <summary>On the epoll engine, run an open connection's receive, and with it the handler's
    /// <see cref="IWebSocketHandler.OnMessage"/>, on the engine's event thread when the socket reports data, instead of
    /// as a thread-pool work item: one thread wake-up less per message (~2 µs of server CPU per delivery in the chat's
    /// fan-out, docs/benchmarks.md). Only for handlers that never block: every other socket's events wait while one
    /// runs (a read that fills the receive buffer still goes on on the thread pool). Default false; the chat server
    /// and the wschat host turn it on, since the chat's handler only parses and queues.</summary>
    public bool ReceiveOnEventThread { get; init; }

    /// <summary>The engine <see cref="SocketEngine"/> stands for on this machine.</summary>
    /// <summary>
    /// Open TCP connections (any phase) past which a new one is answered 503 and closed at once. 0 (the default): the
    /// process's open-files limit less a reserve (<see cref="ConnectionLimit.FromOpenFilesLimit"/>), so that the
    /// server never runs the process out of descriptors: at that limit the runtime itself fails (seen: "Out of
    /// memory." and the process gone, issue 5's 19,000-connection run), where a refused client can retry elsewhere.
    /// </summary>
    public int MaxConnections { get; init; }

    internal SocketEngine ResolvedSocketEngine => SocketEngine switch
    {
        SocketEngine.Auto => Epoll.EpollEngine.IsSupported ? SocketEngine.Epoll : SocketEngine.Managed,
        _ => SocketEngine,
    };

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Endpoint);
        ArgumentNullException.ThrowIfNull(AllowedOrigins);
        ArgumentOutOfRangeException.ThrowIfLessThan(Backlog, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestLineBytes, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestHeadBytes, MaxRequestLineBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestHeaders, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestHeadTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CloseTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOutboundBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(HeartbeatInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(DrainTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(TimerResolution, TimeSpan.FromMilliseconds(10));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxConnections);
        if (!Enum.IsDefined(SocketEngine)) throw new ArgumentOutOfRangeException(nameof(SocketEngine), SocketEngine, "Unknown socket engine.");
    }
}
