using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Net.Diagnostics;
using WsChat.Net.Http;
using WsChat.Net.Transport.Epoll;

namespace WsChat.Net.Transport;

/// <summary>
/// An HTTP/1.1 + WebSocket (RFC 6455) server on its own listener over raw sockets. Map endpoints, then
/// <see cref="Start"/>; stop with <see cref="DrainAsync"/> (graceful) or <see cref="DisposeAsync"/> (abrupt).
/// </summary>
/// <example>
/// <code>
/// var server = new WebSocketServer(new WebSocketServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 8080) });
/// server.MapWebSocket("/echo", new EchoHandler(), new WebSocketEndpointOptions { MaxMessageBytes = 16 &lt;&lt; 20 });
/// server.MapHttp("/healthz", new OkHandler());
/// server.Start();
/// </code>
/// </example>
/// <remarks>
/// Threads: one accept loop, a connection's receive path on the thread pool only while it has bytes to read (an idle
/// connection has a readiness callback armed and no task), one sender per connection while it has frames queued, and
/// one timer for every connection's timeouts and heartbeats. Handlers run on the receive paths. Mapping is not thread-safe and must happen before
/// <see cref="Start"/>; everything else is thread-safe.
/// </remarks>
public sealed partial class WebSocketServer : IAsyncDisposable
{
    private readonly RouteTable _routes = new();
    private readonly RequestHeadLimits _headLimits;
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _maxConnections;   // WebSocketServerOptions.MaxConnections, resolved (ConnectionLimit)
    private Socket? _listener;
    private EpollListener? _epollListener;   // accepts on the epoll thread when the epoll engine is in use
    private Task _acceptLoop = Task.CompletedTask;
    private Task _timerLoop = Task.CompletedTask;
    private int _state;                 // WebSocketServerState
    private int _openWebSockets;        // upgrade accepted and not yet closed: what a drain waits for
    private TaskCompletionSource? _drained;

    /// <summary>Creates a server; nothing listens until <see cref="Start"/>.</summary>
    /// <param name="options">Settings; validated here.</param>
    /// <param name="loggerFactory">Where the server logs (category <c>WsChat.Net.WebSocketServer</c>); none by default.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public WebSocketServer(WebSocketServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("WsChat.Net.WebSocketServer");
        _headLimits = new RequestHeadLimits
        {
            MaxRequestLineLength = options.MaxRequestLineBytes,
            MaxHeadLength = options.MaxRequestHeadBytes,
            MaxHeaderCount = options.MaxRequestHeaders,
        };
        Origins = new OriginPolicy(options.AllowedOrigins);
        _maxConnections = ConnectionLimit.Resolve(options.MaxConnections);
        Metrics.ObserveOutboundBytes(() => TransportGauges.SumOutboundBytes(Connections));
    }

    /// <summary>The options the server was created with.</summary>
    public WebSocketServerOptions Options { get; }

    /// <summary>Where the server listens (with the actual port when <see cref="WebSocketServerOptions.Endpoint"/> had port 0).</summary>
    /// <exception cref="InvalidOperationException">The server has not been started.</exception>
    public IPEndPoint LocalEndPoint => (IPEndPoint?)_listener?.LocalEndPoint ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>Starting, Running, Draining or Stopped. Thread-safe.</summary>
    public WebSocketServerState State => (WebSocketServerState)Volatile.Read(ref _state);

    /// <summary>Open TCP connections (in their HTTP handshake, upgraded, or closing). Thread-safe.</summary>
    public int ConnectionCount => Connections.Count;

    /// <summary>WebSocket connections not yet closed, counted from the moment their upgrade is accepted (before the
    /// 101 goes out). Thread-safe.</summary>
    public int WebSocketCount => Volatile.Read(ref _openWebSockets);

    internal ConnectionTable Connections { get; } = new();

    internal TransportMetrics Metrics { get; } = new();

    internal ILogger Logger { get; }

    internal RequestHeadLimits HeadLimits => _headLimits;

    internal OriginPolicy Origins { get; }

    internal RouteTable Routes => _routes;

    /// <summary>Maps <paramref name="path"/> (exact, without query) to a WebSocket endpoint.</summary>
    /// <param name="path">The request path, starting with '/'.</param>
    /// <param name="handler">The endpoint's handler, shared by all its connections.</param>
    /// <param name="options">Message limits; defaults of <see cref="WebSocketEndpointOptions"/> when null.</param>
    /// <exception cref="ArgumentException">The path is invalid or mapped already.</exception>
    /// <exception cref="InvalidOperationException">The server has been started.</exception>
    public void MapWebSocket(string path, IWebSocketHandler handler, WebSocketEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        options ??= new WebSocketEndpointOptions();
        options.Validate();
        EnsureNotStarted();
        _routes.AddExact(path, new Route(new WebSocketEndpoint(handler, options), null));
    }

    /// <summary>Maps <paramref name="path"/> (exact, without query) to a plain HTTP handler (GET and HEAD; others get 405).</summary>
    /// <exception cref="ArgumentException">The path is invalid or mapped already.</exception>
    /// <exception cref="InvalidOperationException">The server has been started.</exception>
    public void MapHttp(string path, IHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        EnsureNotStarted();
        _routes.AddExact(path, new Route(null, handler));
    }

    /// <summary>Maps every path starting with <paramref name="prefix"/> (e.g. <c>/static/</c>) to a plain HTTP handler;
    /// exact paths win, then the longest prefix.</summary>
    /// <exception cref="ArgumentException">The prefix is invalid or mapped already.</exception>
    /// <exception cref="InvalidOperationException">The server has been started.</exception>
    public void MapHttpPrefix(string prefix, IHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        EnsureNotStarted();
        _routes.AddPrefix(prefix, new Route(null, handler));
    }

    /// <summary>Answers every path no other mapping matches (instead of 404), e.g. with static files.</summary>
    /// <exception cref="InvalidOperationException">The server has been started.</exception>
    public void MapFallback(IHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        EnsureNotStarted();
        _routes.SetFallback(new Route(null, handler));
    }

    /// <summary>Binds the listener and starts accepting. Returns once listening.</summary>
    /// <exception cref="SocketException">The endpoint cannot be bound (in use, no permission).</exception>
    /// <exception cref="InvalidOperationException">Started already.</exception>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, (int)WebSocketServerState.Running, (int)WebSocketServerState.Starting) != (int)WebSocketServerState.Starting)
        {
            throw new InvalidOperationException("The server was started already.");
        }

        bool epoll = Options.ResolvedSocketEngine == SocketEngine.Epoll;
        var listener = new Socket(Options.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (Options.Endpoint.AddressFamily == AddressFamily.InterNetworkV6) listener.DualMode = true;
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(Options.Endpoint);
            listener.Listen(Options.Backlog);
            _listener = listener;
            if (epoll) _epollListener = EpollListener.Start(EpollEngine.Shared, listener, OnEpollAccepted, OnEpollAcceptFailed);
        }
        catch
        {
            _listener = null;
            listener.Dispose();
            Volatile.Write(ref _state, (int)WebSocketServerState.Stopped);
            throw;
        }

        Log.Listening(Logger, listener.LocalEndPoint!, epoll ? SocketEngine.Epoll : SocketEngine.Managed);
        if (!epoll) _acceptLoop = Task.Run(AcceptLoopAsync);
        _timerLoop = Task.Run(TimerLoopAsync);
    }

    /// <summary>Epoll thread: a descriptor from accept4 (non-blocking, close-on-exec). Registers it and starts its
    /// connection's loop on the thread pool, so the epoll thread goes straight back to dispatching.</summary>
    private unsafe void OnEpollAccepted(int fd)
    {
        if (Connections.Count >= _maxConnections)
        {
            // Full: a 503 now (one non-blocking send of a few bytes into an empty socket buffer), then close.
            ReadOnlySpan<byte> response = HttpResponses.ServiceUnavailable.Span;
            fixed (byte* p = response) LinuxNative.send(fd, p, (nuint)response.Length, LinuxNative.MSG_DONTWAIT | LinuxNative.MSG_NOSIGNAL);
            LinuxNative.close(fd);
            Metrics.HandshakeRejected(503);
            return;
        }

        // Chat frames are small and latency matters: never wait for Nagle to fill a segment.
        int one = 1;
        LinuxNative.setsockopt(fd, LinuxNative.IPPROTO_TCP, LinuxNative.TCP_NODELAY, &one, sizeof(int));
        EpollConnectionSocket? socket = EpollConnectionSocket.Register(EpollEngine.Shared, fd, Options.ReceiveOnEventThread, out int errno);
        if (socket is null)
        {
            Log.AcceptFailed(Logger, LinuxNative.Exception(errno));
            return;
        }

        try
        {
            var connection = new WebSocketConnection(this, socket);
            ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.RunAsync(), connection, preferLocal: false);
        }
        catch (Exception e)
        {
            Log.AcceptFailed(Logger, e);
            socket.Dispose();
        }
    }

    private void OnEpollAcceptFailed(int errno) => Log.AcceptFailed(Logger, LinuxNative.Exception(errno));

    /// <summary>Finds a live connection by <see cref="WebSocketConnection.Id"/>. Thread-safe.</summary>
    /// <returns>False when no such connection is open (it closed; its slot may hold a newer one).</returns>
    public bool TryGetConnection(long id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WebSocketConnection? connection) =>
        Connections.TryGet(id, out connection);

    private void EnsureNotStarted()
    {
        if (State != WebSocketServerState.Starting) ThrowHelper.ThrowStarted();
    }

    private async Task AcceptLoopAsync()
    {
        Socket listener = _listener!;
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_stopping.IsCancellationRequested) return;
                // EMFILE and friends: back off a little instead of spinning; the backlog holds the clients meanwhile.
                Log.AcceptFailed(Logger, e);
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            if (Connections.Count >= _maxConnections)
            {
                RefuseFull(socket);
                continue;
            }

            try
            {
                // Chat frames are small and latency matters: never wait for Nagle to fill a segment.
                socket.NoDelay = true;
                // Non-blocking sends from any thread (WebSocketConnection.SendAllAsync); async operations are unaffected.
                socket.Blocking = false;
                var connection = new WebSocketConnection(this, new ManagedConnectionSocket(socket));
                _ = connection.RunAsync();
            }
            catch (Exception e)
            {
                Log.AcceptFailed(Logger, e);
                socket.Dispose();
            }
        }
    }

    /// <summary>Managed engine: a 503 and a close for a connection past <see cref="WebSocketServerOptions.MaxConnections"/>.</summary>
    private void RefuseFull(Socket socket)
    {
        try
        {
            socket.Blocking = false;
            socket.Send(HttpResponses.ServiceUnavailable.Span, SocketFlags.None, out _);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Gone already: nothing to tell it.
        }

        socket.Dispose();
        Metrics.HandshakeRejected(503);
    }

    internal HttpRequestHead RentHead() => HeadPool.Rent();

    internal static void ReturnHead(HttpRequestHead head) => HeadPool.Return(head);

    /// <summary>Sets the timer deadline of connection <paramref name="id"/> (0 = none).</summary>
    internal void SetDeadline(long id, long at)
    {
        ref ConnectionSlot slot = ref Connections[(int)id];
        if (slot.Generation == (int)(id >> 32)) Volatile.Write(ref slot.Deadline, at);
    }

    /// <summary>Records that bytes arrived on connection <paramref name="id"/> (the heartbeat's measure of life).</summary>
    internal void Touch(long id, long now)
    {
        ref ConnectionSlot slot = ref Connections[(int)id];
        if (slot.Generation == (int)(id >> 32)) Volatile.Write(ref slot.LastReceive, now);
    }

    internal void OnConnectionOpened() => Interlocked.Increment(ref _openWebSockets);

    internal void OnConnectionClosed(WebSocketConnection connection, bool counted)
    {
        if (!counted) return;
        if (Interlocked.Decrement(ref _openWebSockets) == 0 && State == WebSocketServerState.Draining) Volatile.Read(ref _drained)?.TrySetResult();
    }
}
