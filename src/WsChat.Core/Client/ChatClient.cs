using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Client;

/// <summary>
/// A client of the wschat protocol (PROTOCOL.md) over <see cref="WsChat.Net.Client.WebSocketClient"/>: typed
/// requests that complete with their reply, typed events, and a connection that heals itself.
/// </summary>
/// <remarks>
/// <para><b>Reconnects.</b> When the connection is lost (a server restart or crash, a reset, a proxy) the client waits
/// an exponential backoff with full jitter and connects again, authenticates, joins every room it was in with
/// <c>since</c> = the last id it delivered there (the server replays the gap), and sends again, with their original
/// <c>ref</c>, every request still unanswered: the server stores a message sent twice with one <c>ref</c> once and
/// acknowledges the original id (PROTOCOL.md §5). Closes that a retry would only repeat (most 1008s, a refused token) end the
/// client instead: <see cref="State"/> becomes <see cref="ChatConnectionState.Closed"/> (docs/client.md).</para>
/// <para><b>Delivery.</b> <see cref="MessageReceived"/> delivers each room message once, in id order: ids at or below
/// the last one delivered in that room (a replay overlapping what arrived before the loss) are dropped.</para>
/// <para><b>Threads.</b> Every member is thread-safe. Events are raised on the client's receive loop, one at a time
/// and in the server's order: handlers must return quickly (hand work off) and must not wait for a request of this
/// client (its reply arrives on the same loop). An exception from a handler is logged and ignored. Request tasks
/// complete on the thread pool, never inline on the receive loop.</para>
/// <para>Requests may be made before <see cref="ConnectAsync"/> completes and while reconnecting: they wait and go
/// out once connected. Cancelling a request's token abandons the wait and its resend; a message already sent may
/// still be stored.</para>
/// </remarks>
public sealed partial class ChatClient : IAsyncDisposable
{
    private readonly ChatClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ReconnectBackoff _backoff;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PendingRequest> _pending = new(StringComparer.Ordinal);   // by ref
    private readonly Dictionary<string, RoomState> _rooms = new(StringComparer.Ordinal);          // rooms the application is in
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Refs are unique per user for the server's 2-minute dedup window, also across clients of one user (each
    // client has its own random prefix): a ref reused by another client would be taken for a retry.
    private readonly string _refPrefix = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz234567", 10) + ".";
    private long _sequence;
    private ClientConnection? _connection;   // the connection requests go out on; null while (re)connecting. Guarded by _lock.
    private Task? _run;
    private int _state;                      // ChatConnectionState
    private bool _closing;                   // CloseAsync was called
    private ChatClientClosedException? _closed;
    private string? _token;                  // the fixed token (Token, or the last one given to RefreshTokenAsync)
    private string? _userId, _username, _session;

    /// <summary>Creates a client; nothing connects until <see cref="ConnectAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid (<see cref="ChatClientOptions.Validate"/>).</exception>
    public ChatClient(ChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        _time = options.TimeProvider;
        _backoff = new ReconnectBackoff(options.ReconnectInitialDelay, options.ReconnectMaxDelay, options.Random ?? Random.Shared);
        _token = options.Token;
    }

    /// <summary>A room message, live or replayed after a reconnect: each id once per room, in id order.</summary>
    public event EventHandler<ChatMessage>? MessageReceived;

    /// <summary>A direct message to or from this user (the sender's own copies included, PROTOCOL.md §3).</summary>
    public event EventHandler<ChatDirectMessage>? DirectMessageReceived;

    /// <summary>A user came online in, or left, a room this client is in.</summary>
    public event EventHandler<ChatPresence>? PresenceChanged;

    /// <summary>Another member of a room started or stopped typing.</summary>
    public event EventHandler<ChatTyping>? TypingChanged;

    /// <summary>A room was joined: by <see cref="JoinAsync"/>, or again by the client itself after a reconnect
    /// (<see cref="ChatJoined.IsRejoin"/>). Raised before the replayed messages of that join.</summary>
    public event EventHandler<ChatJoined>? Joined;

    /// <summary>A rejoin could not recover every message missed while disconnected; see <see cref="ChatRecoveryGap"/>.
    /// Raised right after <see cref="Joined"/>.</summary>
    public event EventHandler<ChatRecoveryGap>? RecoveryGap;

    /// <summary><see cref="State"/> changed. Raised on the client's connection loop, in order.</summary>
    public event EventHandler<ChatConnectionStateChange>? StateChanged;

    /// <summary>An <c>error</c> from the server that answers no pending request of the application (errors that do
    /// fault the request's task instead), e.g. <c>not_member</c> for <see cref="TypingAsync"/>, or a refused rejoin.</summary>
    public event EventHandler<ChatError>? ErrorReceived;

    /// <summary>The connection state (a snapshot).</summary>
    public ChatConnectionState State => (ChatConnectionState)Volatile.Read(ref _state);

    /// <summary>This user's id from the last <c>welcome</c>; null before the first.</summary>
    public string? UserId { get { lock (_lock) return _userId; } }

    /// <summary>This user's display name from the last <c>welcome</c>; null before the first.</summary>
    public string? Username { get { lock (_lock) return _username; } }

    /// <summary>The server's id of the current connection (<c>welcome.session</c>); changes on every reconnect.</summary>
    public string? Session { get { lock (_lock) return _session; } }

    /// <summary>The rooms the application is in (joined or joining), a snapshot.</summary>
    public IReadOnlyCollection<string> Rooms { get { lock (_lock) return [.. _rooms.Keys]; } }

    /// <summary>
    /// Starts the client and waits until it is connected and authenticated for the first time. Attempts that fail
    /// for a reason worth retrying (refused TCP, a 503 while the server starts) are retried with the backoff until
    /// one succeeds or <paramref name="cancellationToken"/> is cancelled; from then on the client reconnects by itself.
    /// </summary>
    /// <exception cref="ChatClientClosedException">The server refused for good: a bad token (<see cref="ChatClientClosedException.Error"/>
    /// is <c>unauthenticated</c>), a 401/403 upgrade (the inner exception has the status), a 1008 close other than "slow consumer" (and "token expired" with a token provider).</exception>
    /// <exception cref="OperationCanceledException">Cancelled: the client is then closed.</exception>
    /// <exception cref="InvalidOperationException">Called more than once.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_closed is not null || _closing) throw ClosedError();
            if (_run is not null) throw new InvalidOperationException("ConnectAsync was called already; the client reconnects by itself.");
            _run = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        }

        try
        {
            await _firstConnected.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CloseAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Closes the client for good: a close handshake (1000) when connected, waiting up to
    /// <see cref="ChatClientOptions.CloseTimeout"/> for the server's reply; pending requests fail with
    /// <see cref="ChatClientClosedException"/>. Idempotent.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        Task? run;
        ClientConnection? connection;
        lock (_lock)
        {
            _closing = true;
            run = _run;
            connection = _connection;
        }

        if (run is null)
        {
            Terminate(new ChatClientClosedException("The chat client was closed by the application."));
            return;
        }

        try
        {
            if (connection is not null)
            {
                await connection.Socket.CloseOutputAsync(WebSocketCloseCode.NormalClosure, "", cancellationToken).ConfigureAwait(false);
                await run.WaitAsync(_options.CloseTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException or IOException)
        {
            // No (timely) reply: stop below.
        }
        finally
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await run.ConfigureAwait(false);     // RunAsync never throws
        }
    }

    /// <summary>Closes (see <see cref="CloseAsync"/>) and releases the client.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync(CancellationToken.None).ConfigureAwait(false);
        _stop.Dispose();
    }

    private string NextRef(out long sequence)
    {
        sequence = Interlocked.Increment(ref _sequence);
        return _refPrefix + sequence.ToString(CultureInfo.InvariantCulture);
    }

    private ChatClientClosedException ClosedError()
    {
        ChatClientClosedException? closed = _closed;
        return closed is null
            ? new ChatClientClosedException("The chat client is closing.")
            : new ChatClientClosedException(closed.Message, closed.CloseCode, closed.Error, closed.InnerException);   // a fresh exception per caller, same cause
    }

    private void SetState(ChatConnectionState next, WebSocketCloseCode closeCode = WebSocketCloseCode.None, Exception? error = null)
    {
        var previous = (ChatConnectionState)Interlocked.Exchange(ref _state, (int)next);
        if (previous != next) Raise(StateChanged, new ChatConnectionStateChange(previous, next, closeCode, error));
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        if (handler is null) return;
        try
        {
            handler(this, args);
        }
        catch (Exception e)
        {
            // A handler's bug must not take down the receive loop (and with it delivery to every other handler).
            ClientLog.HandlerFailed(_logger, e);
        }
    }
}
