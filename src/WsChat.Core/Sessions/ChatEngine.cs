using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Core.Auth;
using WsChat.Core.Diagnostics;
using WsChat.Core.Limits;
using WsChat.Core.Ports;
using WsChat.Core.Shards;
using WsChat.Core.Users;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Sessions;

/// <summary>
/// The chat without sockets: sessions, auth, limits and the shards. The transport adapter of
/// <c>ChatServer</c> calls <c>Open</c>, <see cref="Receive"/> and <see cref="Closed"/>;
/// tests call them with fake connections.
/// </summary>
/// <remarks>
/// <see cref="Receive"/> is the connection read path (DESIGN.md step 2): it parses, checks auth and
/// the rate limits, answers what needs no shared state (<c>ping</c>, <c>auth</c>, refusals) and queues
/// the rest to the shard that owns the room or DM pair. Called for one connection at a time per
/// connection; for different connections concurrently.
/// </remarks>
internal sealed partial class ChatEngine : IDisposable
{
    private readonly Shard[] _shards;
    private long _nextSessionId;

    public ChatEngine(ChatServerOptions options, TimeProvider? time = null, ILogger? logger = null, bool startThreads = true)
    {
        options.Validate();
        Options = options;
        Time = time ?? TimeProvider.System;
        Logger = logger ?? NullLogger.Instance;
        Users = new UserDirectory(() => new TokenBucket(options.UserRatePerSecond, options.UserRateBurst), Time);
        Tokens = new JwtValidator(new JwtOptions
        {
            Secret = options.JwtSecret,
            Issuer = options.JwtIssuer,
            Audience = options.JwtAudience,
            ClockSkew = options.ClockSkew,
        });
        Timers = new SessionTimers(Time, options.TimerResolution, OnTimer);
        _shards = new Shard[options.ShardCount];
        for (int i = 0; i < _shards.Length; i++) _shards[i] = new Shard(this, i);
        if (startThreads) Start();
    }

    /// <summary>Starts the shard threads and the timer wheel.</summary>
    public void Start()
    {
        foreach (Shard shard in _shards) shard.Start();
        Timers.Start();
    }

    public ChatServerOptions Options { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public UserDirectory Users { get; }

    public SessionTimers Timers { get; }

    internal JwtValidator Tokens { get; }

    public ReadOnlySpan<Shard> Shards => _shards;

    /// <summary>True when messages are stored before they are fanned out (an <see cref="IMessageStore"/> is attached).</summary>
    public bool Persistent => _batcher is not null;

    /// <summary>A new connection id, unique for this engine's life (sent as <c>session</c>).</summary>
    public long NextConnectionId() => Interlocked.Increment(ref _nextSessionId);

    /// <summary>Runs every queued shard command on the calling thread (tests that run without threads).</summary>
    public int RunShards()
    {
        int total = 0, ran;
        do
        {
            ran = 0;
            foreach (Shard shard in _shards) ran += shard.RunPending();
            total += ran;
        }
        while (ran > 0);
        return total;
    }

    /// <summary>Stops the shards after they ran what is queued, and the timer.</summary>
    public void Dispose()
    {
        StopBackplane();
        DrainStorageOnDispose();
        Timers.Dispose();
        foreach (Shard shard in _shards) shard.Dispose();
    }

    /// <summary>
    /// A connection opened. With an identity (a token in the upgrade request, or development mode)
    /// it is authenticated at once and gets <c>welcome</c>; otherwise it has the auth timeout to send <c>auth</c>.
    /// </summary>
    public ChatSession Open(IChatConnection connection, in TokenIdentity? identity) => OpenSession(new ChatSession(connection, this), in identity);

    /// <summary>The same for a connection of the transport itself (no port object in between).</summary>
    public ChatSession Open(WebSocketConnection connection, in TokenIdentity? identity) => OpenSession(new ChatSession(connection, this), in identity);

    private ChatSession OpenSession(ChatSession session, in TokenIdentity? identity)
    {
        if (identity is { } known)
        {
            CompleteAuth(session, in known);
        }
        else
        {
            Timers.Schedule(session, session.AuthDeadlineMs(AuthTimeoutMs));
        }

        return session;
    }

    /// <summary>The connection closed (whatever the reason): forget it everywhere.</summary>
    public void Closed(ChatSession session)
    {
        if (!session.MarkClosed()) return;
        Timers.Cancel(session);
        if (session.User is { } user)
        {
            Users.Remove(session, user);
            UserWentOffline(user.Id);
        }

        ulong mask = session.ShardMask;
        if (mask == 0) return;
        var command = new ShardCommand { Kind = ShardCommandKind.Disconnect, Session = session };
        for (int i = 0; i < _shards.Length; i++)
        {
            // Past 64 shards every bit is set (ChatSession.NoteShard): all of them are told.
            if (i >= 64 || (mask & (1UL << i)) != 0) _shards[i].Queue.Enqueue(in command);
        }
    }

    private long AuthTimeoutMs => (long)Options.AuthTimeout.TotalMilliseconds;

    internal Shard ShardOf(uint hash) => _shards[ShardHash.ShardOf(hash, _shards.Length)];

    // The one deadline of a session passed: auth timeout before auth, token expiry after.
    private void OnTimer(ChatSession session, long nowMs)
    {
        switch (session.State)
        {
            case SessionState.Unauthenticated when nowMs >= session.AuthDeadlineMs(AuthTimeoutMs):
                Metrics.AuthFailed(Diagnostics.AuthFailureReason.Timeout);
                session.Close(WebSocketCloseCode.PolicyViolation, CloseReasons.AuthTimeout);
                break;
            case SessionState.Authenticated when nowMs >= session.ExpiresAtMs:
                Metrics.AuthFailed(AuthFailure.Expired);
                session.Close(WebSocketCloseCode.PolicyViolation, CloseReasons.TokenExpired);
                break;
            case SessionState.Authenticated when session.ExpiresAtMs != long.MaxValue:
                Timers.Schedule(session, session.ExpiresAtMs);      // refreshed meanwhile
                break;
        }
    }
}
