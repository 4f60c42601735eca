using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WsChat.Host.Configuration;
using WsChat.Host.Endpoints;
using WsChat.Net.Transport;

namespace WsChat.Host;

/// <summary>Runs the <see cref="WebSocketServer"/> for the host's lifetime; stopping the host drains it (PROTOCOL.md §5).</summary>
internal sealed class ServerHostedService : IHostedService, IAsyncDisposable
{
    private readonly WsChatOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;

    public ServerHostedService(WsChatOptions options, ILoggerFactory loggerFactory, IServiceProvider services)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _services = services;
        _logger = loggerFactory.CreateLogger("WsChat.Host");
    }

    /// <summary>The running server (null before start).</summary>
    public WebSocketServer? Server { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var server = new WebSocketServer(new WebSocketServerOptions
        {
            Endpoint = _options.Endpoint,
            Backlog = _options.Backlog,
            HeartbeatInterval = _options.HeartbeatInterval,
            RequestHeadTimeout = _options.RequestHeadTimeout,
            CloseTimeout = _options.CloseTimeout,
            DrainTimeout = _options.DrainTimeout,
            MaxOutboundBytes = _options.MaxOutboundBytes,
            AllowedOrigins = _options.AllowedOrigins,
        }, _loggerFactory);
        ServerEndpoints.Map(server, _options, _services);
        server.Start();
        Server = server;
        IPEndPoint endPoint = server.LocalEndPoint;
        Log.Started(_logger, endPoint.Address.ToString(), endPoint.Port, _options.Echo.Enabled);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Server is null) return;
        Log.Stopping(_logger, Server.WebSocketCount);
        await Server.DrainAsync(cancellationToken).ConfigureAwait(false);
        Log.Stopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync().ConfigureAwait(false);
    }
}
