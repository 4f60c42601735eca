using System.Net;
using WsChat.Host.Endpoints;
using WsChat.Net.Transport;

namespace WsChat.Tests.Support;

/// <summary>A <see cref="WebSocketServer"/> on 127.0.0.1:0 with the host's /echo, /healthz and /readyz.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(WebSocketServer server, ErrorLog log)
    {
        Server = server;
        Log = log;
    }

    /// <summary>Errors the server logged (a connection loop or handler failure).</summary>
    public ErrorLog Log { get; }

    public WebSocketServer Server { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoint;

    public Uri Uri(string path) => new($"ws://127.0.0.1:{EndPoint.Port}{path}");

    /// <summary>Starts a server on <paramref name="engine"/> (whatever <paramref name="options"/> say); the epoll
    /// engine's fixtures are ignored off Linux.</summary>
    public static TestServer Start(SocketEngine engine, WebSocketServerOptions? options = null, Action<WebSocketServer>? configure = null, int echoMaxMessageBytes = 16 * 1024 * 1024)
    {
        if (engine == SocketEngine.Epoll && !WsChat.Net.Transport.Epoll.EpollEngine.IsSupported) Assert.Ignore("The epoll engine needs Linux (x64, arm64).");
        return Start(options, configure, echoMaxMessageBytes, engine);
    }

    /// <summary>Starts a server; <paramref name="configure"/> maps extra endpoints before start.</summary>
    public static TestServer Start(WebSocketServerOptions? options = null, Action<WebSocketServer>? configure = null, int echoMaxMessageBytes = 16 * 1024 * 1024, SocketEngine? engine = null)
    {
        options ??= new WebSocketServerOptions();
        var log = new ErrorLog();
        var server = new WebSocketServer(new WebSocketServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            Backlog = options.Backlog,
            MaxRequestLineBytes = options.MaxRequestLineBytes,
            MaxRequestHeadBytes = options.MaxRequestHeadBytes,
            MaxRequestHeaders = options.MaxRequestHeaders,
            RequestHeadTimeout = options.RequestHeadTimeout,
            CloseTimeout = options.CloseTimeout,
            MaxOutboundBytes = options.MaxOutboundBytes,
            HeartbeatInterval = options.HeartbeatInterval,
            AllowedOrigins = options.AllowedOrigins,
            DrainTimeout = options.DrainTimeout,
            TimerResolution = options.TimerResolution,
            SocketEngine = engine ?? options.SocketEngine,
            IoUringSends = options.IoUringSends,
            MaxConnections = options.MaxConnections,
            ReceiveOnEventThread = options.ReceiveOnEventThread,
        }, log);
        server.MapWebSocket("/echo", new EchoHandler(), new WebSocketEndpointOptions { MaxMessageBytes = echoMaxMessageBytes, MaxFramesPerMessage = int.MaxValue });
        server.MapHttp("/healthz", new HealthHandler());
        server.MapHttp("/readyz", new ReadinessHandler(server));
        configure?.Invoke(server);
        server.Start();
        return new TestServer(server, log);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
