using System.Net;
using WsChat.Net.Transport;

namespace WsChat.Host.Configuration;

/// <summary>
/// The <c>WsChat</c> configuration section (appsettings.json, <c>WSCHAT_</c> environment variables, command line
/// <c>--WsChat:Port=9000</c>). Defaults follow PROTOCOL.md §5; the README's table lists each with its reason.
/// </summary>
internal sealed class WsChatOptions
{
    public const string Section = "WsChat";

    /// <summary>Address to listen on. Default 0.0.0.0 (all IPv4 interfaces); "::" for dual-stack.</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>TCP port. Default 8080 (PROTOCOL.md §1); 0 picks a free port (logged at start).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>Listen backlog. Default 512 (reconnect storms).</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>Socket engine of the connections: Auto (epoll on Linux, System.Net.Sockets elsewhere), Managed or
    /// Epoll. Default Auto; Managed is the fallback should the epoll engine misbehave (docs/operations.md).</summary>
    public SocketEngine SocketEngine { get; set; } = SocketEngine.Auto;

    /// <summary>On the epoll engine, send each room fan-out with one io_uring submission instead of one send() per
    /// member; falls back to send() where io_uring is unavailable. Default true (docs/benchmarks.md).</summary>
    public bool IoUringSends { get; set; } = true;

    /// <summary>Open connections past which a new one gets 503 and a close. Default 0: the process's open-files limit
    /// less a reserve (~19,200 at 20,000), so that a connection storm cannot run the process out of descriptors.</summary>
    public int MaxConnections { get; set; }

    /// <summary>On the epoll engine, run a connection's receive and the chat's command parsing on the engine's event
    /// thread instead of a thread-pool thread (one wake-up less per message). Default true.</summary>
    public bool ReceiveOnEventThread { get; set; } = true;

    /// <summary>Heartbeat ping interval; 0 turns heartbeats off. Default 30 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time to a complete request head. Default 10 s, then 408.</summary>
    public TimeSpan RequestHeadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Close handshake wait. Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Drain wait on shutdown. Default 10 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Outbound queue bound per connection. Default 1 MiB, then 1008 "slow consumer".</summary>
    public long MaxOutboundBytes { get; set; } = 1024 * 1024;

    /// <summary>Browser origins allowed besides same-host. Default none.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>
    /// The HS256 secret tokens are signed with (UTF-8, at least 32 bytes). Required: the server refuses to start
    /// without it. appsettings.Development.json sets a fixed development secret for <c>dotnet run</c>.
    /// </summary>
    public string JwtSecret { get; set; } = string.Empty;

    /// <summary>Expected <c>iss</c> of tokens; unset: not checked.</summary>
    public string? JwtIssuer { get; set; }

    /// <summary>Expected <c>aud</c> of tokens; unset: not checked.</summary>
    public string? JwtAudience { get; set; }

    /// <summary>Development only: accept <c>/ws?user=NAME</c> without a token. Default false.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Time to send <c>auth</c> after the upgrade. Default 10 s, then close 1008.</summary>
    public TimeSpan AuthTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Chat shards (threads owning rooms). Default 0: one per processor.</summary>
    public int Shards { get; set; }

    /// <summary>Per-user budget of message, dm and typing per second. Default 20 (PROTOCOL.md §5).</summary>
    public double UserRatePerSecond { get; set; } = 20;

    /// <summary>Per-user burst. Default 40.</summary>
    public int UserRateBurst { get; set; } = 40;

    /// <summary>Per-connection budget of all commands per second. Default 100.</summary>
    public double ConnectionRatePerSecond { get; set; } = 100;

    /// <summary>Per-connection burst. Default 200.</summary>
    public int ConnectionRateBurst { get; set; } = 200;

    /// <summary>Connections per user on this node. Default 10, then the new one is closed 1008.</summary>
    public int MaxConnectionsPerUser { get; set; } = 10;

    /// <summary>Rooms per connection. Default 128, then too_many_rooms.</summary>
    public int MaxRoomsPerConnection { get; set; } = 128;

    /// <summary>Rooms in memory at most. Default 100,000, then a join that would create one more gets server_busy.</summary>
    public int MaxRooms { get; set; } = 100_000;

    /// <summary>With persistence: how long a room or DM pair nobody uses stays in memory. Default 10 minutes.</summary>
    public TimeSpan IdleConversationRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest text in code points. Default 4096, then too_large.</summary>
    public int MaxTextLength { get; set; } = 4096;

    /// <summary>The <c>/echo</c> endpoint (PROTOCOL.md §1): off unless enabled.</summary>
    public EchoOptions Echo { get; set; } = new();

    /// <summary>The host's cap on gen2 garbage (<c>WsChat:Gc</c>, docs/operations.md "Memory: the gen2 cap").</summary>
    public Memory.GcOptions Gc { get; set; } = new();

    /// <summary>The host's native-memory policy on glibc (<c>WsChat:Memory</c>, docs/operations.md "Memory and the GC").</summary>
    public Memory.MemoryOptions Memory { get; set; } = new();

    internal IPEndPoint Endpoint => new(IPAddress.Parse(Address), Port);

    internal void Validate()
    {
        if (!IPAddress.TryParse(Address, out _)) throw new InvalidOperationException($"WsChat:Address '{Address}' is not an IP address.");
        if (Port is < 0 or > 65535) throw new InvalidOperationException($"WsChat:Port {Port} is out of range.");
        if (MaxConnections < 0) throw new InvalidOperationException($"WsChat:MaxConnections {MaxConnections} is negative (0 means: from the open-files limit).");
        Gc.Validate();
        Memory.Validate();
        // PROTOCOL.md §5: the server refuses to start without a secret of at least 32 bytes.
        if (System.Text.Encoding.UTF8.GetByteCount(JwtSecret ?? string.Empty) < 32)
        {
            throw new InvalidOperationException(
                "WsChat:JwtSecret is missing or shorter than 32 bytes; HS256 tokens need a secret of at least 32 bytes. " +
                "Set it in appsettings.json, as WSCHAT_JWTSECRET, or with --WsChat:JwtSecret=... " +
                "(e.g. the output of `openssl rand -base64 48`). For local development, `dotnet run` uses appsettings.Development.json.");
        }
    }

    /// <summary>The chat's settings from this configuration, listening on <see cref="Endpoint"/>.</summary>
    /// <param name="storageBatching">The group-commit settings from <c>WsChat:Storage</c> (read by Storage/StorageOptions).</param>
    /// <param name="storageStartTimeout">How long to keep trying to reach storage at start (<c>WsChat:Storage:StartTimeoutMs</c>).</param>
    internal WsChat.Core.ChatServerOptions ToChatOptions(WsChat.Core.Storage.MessageBatcherOptions storageBatching, TimeSpan storageStartTimeout) => new()
    {
        StorageBatching = storageBatching,
        StorageStartTimeout = storageStartTimeout,
        Endpoint = Endpoint,
        JwtSecret = JwtSecret,
        JwtIssuer = JwtIssuer,
        JwtAudience = JwtAudience,
        AllowAnonymous = AllowAnonymous,
        AuthTimeout = AuthTimeout,
        HeartbeatInterval = HeartbeatInterval,
        MaxOutboundBytes = (int)Math.Min(int.MaxValue, MaxOutboundBytes),
        DrainTimeout = DrainTimeout,
        AllowedOrigins = AllowedOrigins,
        ShardCount = Shards > 0 ? Shards : Environment.ProcessorCount,
        UserRatePerSecond = UserRatePerSecond,
        UserRateBurst = UserRateBurst,
        ConnectionRatePerSecond = ConnectionRatePerSecond,
        ConnectionRateBurst = ConnectionRateBurst,
        MaxConnectionsPerUser = MaxConnectionsPerUser,
        MaxRoomsPerConnection = MaxRoomsPerConnection,
        MaxRooms = MaxRooms,
        IdleConversationRetention = IdleConversationRetention,
        MaxTextLength = MaxTextLength,
    };

    internal sealed class EchoOptions
    {
        /// <summary>Serve <c>/echo</c>. Default false: it exists for conformance suites, not for users.</summary>
        public bool Enabled { get; set; }

        /// <summary>Largest echoed message. Default 16 MiB (PROTOCOL.md §5), then 1009.</summary>
        public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;
    }
}
