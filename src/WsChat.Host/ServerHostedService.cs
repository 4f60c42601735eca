using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WsChat.Core;
using WsChat.Core.Ports;
using WsChat.Host.Configuration;
using WsChat.Host.Endpoints;
using WsChat.Host.Storage;
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

    /// <summary>The chat on <c>/ws</c> (null before start).</summary>
    public ChatServer? Chat { get; private set; }

    /// <summary>The message store (null before start, or with <c>WsChat:Storage:Provider=none</c>).</summary>
    public IMessageStore? Store { get; private set; }

    /// <summary>The Redis backplane (null on one node).</summary>
    public WsChat.Core.Ports.IBackplane? Backplane { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var server = new WebSocketServer(new WebSocketServerOptions
        {
            Endpoint = _options.Endpoint,
            Backlog = _options.Backlog,
            SocketEngine = _options.SocketEngine,
            IoUringSends = _options.IoUringSends,
            MaxConnections = _options.MaxConnections,
            ReceiveOnEventThread = _options.ReceiveOnEventThread,
            HeartbeatInterval = _options.HeartbeatInterval,
            RequestHeadTimeout = _options.RequestHeadTimeout,
            CloseTimeout = _options.CloseTimeout,
            DrainTimeout = _options.DrainTimeout,
            MaxOutboundBytes = _options.MaxOutboundBytes,
            AllowedOrigins = _options.AllowedOrigins,
        }, _loggerFactory);
        // /ws (issue 3): the chat attaches to this server; its shards run before the first connection arrives.
        // Storage (issue 4): opened and migrated by the chat's start, before the first connection.
        StorageOptions storage = StorageOptions.From(_services.GetRequiredService<IConfiguration>());
        Store = MessageStoreFactory.Create(storage, _loggerFactory);
        StorageLog.Selected(_logger, storage.Provider, storage.Provider == StorageProvider.Sqlite ? Path.GetFullPath(storage.Sqlite.Path) : "");
        var chat = new ChatServer(_options.ToChatOptions(storage.Batching, storage.StartTimeout), _loggerFactory, server, Store);
        await chat.StartAsync(cancellationToken).ConfigureAwait(false);
        // Scale-out (issue 8): with WsChat:Redis:ConnectionString this node joins the others, before the first connection.
        Backplane = await Host.Backplane.BackplaneSetup.AttachAsync(chat, storage, _services.GetRequiredService<IConfiguration>(), _loggerFactory, cancellationToken).ConfigureAwait(false);
        ServerEndpoints.Map(server, _options, _services, chat);
        Chat = chat;
        server.Start();
        Server = server;
        IPEndPoint endPoint = server.LocalEndPoint;
        Log.Started(_logger, endPoint.Address.ToString(), endPoint.Port, _options.Echo.Enabled);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Server is null) return;
        Log.Stopping(_logger, Server.WebSocketCount);
        // PROTOCOL.md §5: 1001 to every client and wait for their replies, then the shards finish their queues.
        await Server.DrainAsync(cancellationToken).ConfigureAwait(false);
        if (Chat is not null) await Chat.StopAsync(cancellationToken).ConfigureAwait(false);
        Log.Stopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        if (Chat is not null) await Chat.DisposeAsync().ConfigureAwait(false);
        if (Server is not null) await Server.DisposeAsync().ConfigureAwait(false);
        if (Backplane is not null) await Backplane.DisposeAsync().ConfigureAwait(false);
        if (Store is not null) await Store.DisposeAsync().ConfigureAwait(false);
    }
}
