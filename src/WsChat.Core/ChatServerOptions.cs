using System.Net;

namespace WsChat.Core;

/// <summary>
/// Settings of a <c>ChatServer</c>. Every default is PROTOCOL.md §5's unless noted; all are
/// init-only, so a running server's settings never change under it.
/// </summary>
public sealed class ChatServerOptions
{
    /// <summary>Where to listen. Default <c>0.0.0.0:8080</c> (PROTOCOL.md §1).</summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Any, 8080);

    /// <summary>The chat endpoint's path. Default <c>/ws</c>.</summary>
    public string Path { get; init; } = "/ws";

    /// <summary>
    /// The HS256 secret tokens are signed with, as UTF-8. Required: at least 32 bytes (PROTOCOL.md §5),
    /// so that a guessable secret cannot mint tokens; the server refuses to start otherwise.
    /// </summary>
    public string JwtSecret { get; init; } = string.Empty;

    /// <summary>Expected <c>iss</c>; null (the default) does not check it.</summary>
    public string? JwtIssuer { get; init; }

    /// <summary>Expected <c>aud</c>; null (the default) does not check it.</summary>
    public string? JwtAudience { get; init; }

    /// <summary>Tolerance on <c>exp</c> and <c>nbf</c>. Default 30 s: clocks of token issuers drift.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time to authenticate after the upgrade (the <c>auth</c> message). Default 10 s; past it close 1008.</summary>
    public TimeSpan AuthTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Development only: accept <c>?user=NAME</c> without a token (user id and name both NAME, no expiry).
    /// Default false, and it must stay false in production: anyone could be anyone.
    /// </summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Ping interval for silent connections, reported in <c>welcome</c>. Default 30 s; silent for two intervals → closed.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest client message on the chat endpoint. Default 64 KiB; past it close 1009.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024;

    /// <summary>Most frames one client message may be fragmented into. Default 1024; past it close 1009.</summary>
    public int MaxFramesPerMessage { get; init; } = 1024;

    /// <summary>Unsent bytes a connection may hold before it is closed as a slow consumer (1008). Default 1 MiB.</summary>
    public int MaxOutboundBytes { get; init; } = 1024 * 1024;

    /// <summary>Longest <c>text</c>, in Unicode code points. Default 4096; past it <c>too_large</c>.</summary>
    public int MaxTextLength { get; init; } = 4096;

    /// <summary>Rooms one connection may be in. Default 128; past it <c>too_many_rooms</c>.</summary>
    public int MaxRoomsPerConnection { get; init; } = 128;

    /// <summary>Connections one user may have on this node. Default 10; past it the new one is closed 1008.</summary>
    public int MaxConnectionsPerUser { get; init; } = 10;

    /// <summary>Per-user budget of <c>message</c>, <c>dm</c> and <c>typing</c>, per second. Default 20.</summary>
    public double UserRatePerSecond { get; init; } = 20;

    /// <summary>Per-user burst. Default 40.</summary>
    public int UserRateBurst { get; init; } = 40;

    /// <summary>Per-connection budget of all commands, per second. Default 100 (bounds ping, list_users, history floods).</summary>
    public double ConnectionRatePerSecond { get; init; } = 100;

    /// <summary>Per-connection burst. Default 200.</summary>
    public int ConnectionRateBurst { get; init; } = 200;

    /// <summary>
    /// Refusals with <c>rate_limited</c> within <see cref="FloodWindow"/> after which a connection "keeps
    /// flooding" and is closed with 1008 (PROTOCOL.md §5). Default 20: a client that honours
    /// <c>retry_after_ms</c> is refused a handful of times in 10 s; one that ignores it at twice the allowed
    /// rate collects 20 in about a second.
    /// </summary>
    public int FloodCloseAfter { get; init; } = 20;

    /// <summary>The window of <see cref="FloodCloseAfter"/>, counted from its first refusal. Default 10 s.</summary>
    public TimeSpan FloodWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages kept in memory per room and per DM pair for <c>history</c> and replay. Default 100.</summary>
    public int RoomHistorySize { get; init; } = 100;

    /// <summary>
    /// Rooms the server keeps in memory at most (each holds up to <see cref="RoomHistorySize"/> messages). Default
    /// 100,000. A <c>join</c> that would create one more is refused with <c>server_busy</c>: without this bound a
    /// client could grow the server's memory without end by joining ever new names. Split evenly over the shards.
    /// </summary>
    public int MaxRooms { get; init; } = 100_000;

    /// <summary>
    /// With persistence on: how long a room or DM pair with no members and nothing in flight stays in memory before
    /// it is dropped (the next command that names it loads it again from storage). Default 10 minutes. Without
    /// persistence nothing is dropped: memory is the only copy of a room's history and of its last id.
    /// </summary>
    public TimeSpan IdleConversationRetention { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Most messages replayed on <c>join</c> with <c>since</c>. Default 1000; past it the newest are replayed, <c>recovered: false</c>.</summary>
    public int ReplayLimit { get; init; } = 1000;

    /// <summary>Number of shards (threads owning rooms and DM pairs). Default: one per processor.</summary>
    public int ShardCount { get; init; } = Environment.ProcessorCount;

    /// <summary>Commands waiting per shard before new ones are refused with <c>server_busy</c>. Default 65,536.</summary>
    public int ShardQueueCapacity { get; init; } = 65_536;

    /// <summary>On shutdown, how long to wait for clients to answer the 1001 close. Default 10 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Resolution of the auth-timeout and token-expiry timer. Default 100 ms.</summary>
    public TimeSpan TimerResolution { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Origins allowed to open the chat besides none (non-browser) and the server's own host.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>The group-commit writer's settings, used when the server has a store (see docs/decisions/storage.md).</summary>
    public Storage.MessageBatcherOptions StorageBatching { get; init; } = new();

    /// <summary>How long <see cref="ChatServer.StartAsync"/> keeps trying to reach the store (a database that starts
    /// at the same time as the server, a slow first connection) before it gives up. Default 60 s; zero tries once.</summary>
    public TimeSpan StorageStartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Serve the RFC 6455 echo endpoint on <c>/echo</c> (for conformance suites). Default false.</summary>
    public bool EnableEcho { get; init; }

    /// <summary>Checks every setting; the server calls it before it starts. A secret is required in
    /// development mode too (tokens minted by <c>wschat token</c> are signed with it).</summary>
    /// <exception cref="ArgumentException">A setting is out of range or the secret is shorter than 32 bytes.</exception>
    public void Validate()
    {
        if (System.Text.Encoding.UTF8.GetByteCount(JwtSecret ?? string.Empty) < 32)
        {
            throw new ArgumentException("ChatServerOptions.JwtSecret must be at least 32 bytes (UTF-8): HS256 with a shorter secret can be brute-forced. Set WsChat:JwtSecret (or WSCHAT_WsChat__JwtSecret).", nameof(JwtSecret));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ShardCount, 1, nameof(ShardCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTextLength, 1, nameof(MaxTextLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRoomsPerConnection, 1, nameof(MaxRoomsPerConnection));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionsPerUser, 1, nameof(MaxConnectionsPerUser));
        ArgumentOutOfRangeException.ThrowIfLessThan(RoomHistorySize, 1, nameof(RoomHistorySize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRooms, 1, nameof(MaxRooms));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleConversationRetention, TimeSpan.Zero, nameof(IdleConversationRetention));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReplayLimit, 1, nameof(ReplayLimit));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(UserRatePerSecond, 0, nameof(UserRatePerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(UserRateBurst, 1, nameof(UserRateBurst));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectionRatePerSecond, 0, nameof(ConnectionRatePerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(ConnectionRateBurst, 1, nameof(ConnectionRateBurst));
        ArgumentOutOfRangeException.ThrowIfLessThan(FloodCloseAfter, 1, nameof(FloodCloseAfter));
        ArgumentOutOfRangeException.ThrowIfLessThan(ShardQueueCapacity, 1, nameof(ShardQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AuthTimeout, TimeSpan.Zero, nameof(AuthTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero, nameof(HeartbeatInterval));
    }
}
