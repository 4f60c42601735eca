using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Core.Diagnostics;
using WsChat.Core.Ports;
using WsChat.Core.Sessions;
using WsChat.Net.Transport;

namespace WsChat.Core;

/// <summary>
/// The wschat chat server: PROTOCOL.md on a <see cref="WebSocketServer"/> endpoint (<c>/ws</c> by
/// default), startable from any host.
/// </summary>
/// <remarks>
/// <para>Standalone, it owns its <see cref="WebSocketServer"/> (built from the options) and starts,
/// drains and disposes it. Given an existing server, it only maps its endpoint there: the owner of
/// that server starts it and drains it before calling <see cref="StopAsync"/>.</para>
/// <para>Start once, stop once. <see cref="StopAsync"/> closes every client with 1001 (an owned server),
/// then stops the shards after they ran what was queued. Members are thread-safe.</para>
/// </remarks>
/// <example><code>
/// var options = new ChatServerOptions { Endpoint = new IPEndPoint(IPAddress.Any, 8080), JwtSecret = secret };
/// await using var server = new ChatServer(options, loggerFactory: loggerFactory);
/// await server.StartAsync(ct);
/// </code></example>
public sealed class ChatServer : IAsyncDisposable
{
    private readonly ChatEngine _engine;
    private readonly bool _ownsServer;
    private readonly ILogger _logger;
    private readonly IMessageStore? _store;
    private int _state;     // 0 new, 1 started, 2 stopped

    /// <summary>Builds the server; nothing listens until <see cref="StartAsync"/>.</summary>
    /// <param name="options">Settings; validated here.</param>
    /// <param name="loggerFactory">Logging; null logs nothing.</param>
    /// <param name="server">An existing server to map the chat endpoint on, or null to own one built from <paramref name="options"/>.</param>
    /// <param name="store">Where messages are kept (PROTOCOL.md §5 "Delivery guarantees"): with a store, a message is
    /// fanned out and acked only once stored, ids continue across restarts, and history reaches past the last 100
    /// messages. Initialised by <see cref="StartAsync"/>; the caller disposes it after <see cref="StopAsync"/>.
    /// Null (the default): persistence off, each room keeps its last messages in memory.</param>
    /// <exception cref="ArgumentException">An option is invalid, e.g. a JWT secret shorter than 32 bytes.</exception>
    public ChatServer(ChatServerOptions options, ILoggerFactory? loggerFactory = null, WebSocketServer? server = null, IMessageStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger("WsChat.Chat");
        _engine = new ChatEngine(options, TimeProvider.System, _logger, startThreads: false);
        _store = store;
        _ownsServer = server is null;
        Server = server ?? new WebSocketServer(new WebSocketServerOptions
        {
            Endpoint = options.Endpoint,
            HeartbeatInterval = options.HeartbeatInterval,
            MaxOutboundBytes = options.MaxOutboundBytes,
            DrainTimeout = options.DrainTimeout,
            AllowedOrigins = options.AllowedOrigins,
            ReceiveOnEventThread = true,   // the chat's handler parses and queues; it never blocks
        }, loggerFactory);
        Server.MapWebSocket(options.Path, new ChatSocketHandler(_engine), new WebSocketEndpointOptions
        {
            MaxMessageBytes = options.MaxMessageBytes,
            MaxFramesPerMessage = options.MaxFramesPerMessage,
        });
    }

    /// <summary>The settings the server runs with.</summary>
    public ChatServerOptions Options => _engine.Options;

    /// <summary>The transport the chat endpoint is mapped on (owned or given).</summary>
    public WebSocketServer Server { get; }

    /// <summary>The bound address (after <see cref="StartAsync"/> of an owned server, or once the given server started).</summary>
    public IPEndPoint LocalEndPoint => Server.LocalEndPoint;

    /// <summary>Users with at least one authenticated connection.</summary>
    public int OnlineUsers => _engine.Users.Count;

    /// <summary>The chat's counters, for the host's metrics endpoint.</summary>
    internal ChatMetrics Metrics => _engine.Metrics;

    internal ChatEngine Engine => _engine;

    /// <summary>Rooms and connection ages for <c>/stats</c>.</summary>
    internal IChatStatsSource Stats => _engine;

    /// <summary>/readyz's storage condition once started with a store; null without one.</summary>
    internal IReadinessCheck? StorageReadiness => _engine.StorageReadiness;

    /// <summary>Initialises the store (creating or migrating its schema), then starts the shards, and the owned
    /// server. Returns once listening.</summary>
    /// <exception cref="InvalidOperationException">Started already.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The endpoint cannot be bound.</exception>
    /// <exception cref="Exception">Whatever the store throws when storage is still unreachable after
    /// <see cref="ChatServerOptions.StorageStartTimeout"/>: the server does not start.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) throw new InvalidOperationException("The chat server was started already.");
        cancellationToken.ThrowIfCancellationRequested();
        if (_store is not null)
        {
            await InitializeStoreAsync(_store, cancellationToken).ConfigureAwait(false);
            _engine.AttachStorage(_store, Options.StorageBatching);
        }

        _engine.Start();
        if (_ownsServer) Server.Start();
        if (Options.AllowAnonymous) ChatLog.AnonymousEnabled(_logger);
        if (_ownsServer) ChatLog.Started(_logger, Server.LocalEndPoint, Options.Path, Options.ShardCount);
    }

    // Retries with a growing delay (0.5 s doubling to 5 s) until StorageStartTimeout: a server and its database are
    // often started together (systemd, a deploy), and a first connection can be slow on a busy machine.
    private async Task InitializeStoreAsync(IMessageStore store, CancellationToken cancellationToken)
    {
        long started = TimeProvider.System.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(500);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested
                && TimeProvider.System.GetElapsedTime(started) + delay < Options.StorageStartTimeout)
            {
                ChatLog.StorageStartRetry(_logger, attempt, (int)delay.TotalMilliseconds, ex.GetBaseException().Message);
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    /// <summary>
    /// Graceful stop (PROTOCOL.md §5): an owned server stops accepting and sends 1001 to every client,
    /// waiting up to the drain timeout for their replies; then the shards finish what is queued and stop.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1) return;
        if (_ownsServer)
        {
            ChatLog.Stopping(_logger, Server.WebSocketCount);
            await Server.DrainAsync(cancellationToken).ConfigureAwait(false);
        }

        // PROTOCOL.md §5 "flush storage": every message accepted is committed (and acked, to whoever is still there).
        await _engine.DrainStorageAsync(cancellationToken).ConfigureAwait(false);
        _engine.Dispose();
    }

    /// <summary>Stops (gracefully, if still running) and releases the owned server.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_ownsServer) await Server.DisposeAsync().ConfigureAwait(false);
    }
}
