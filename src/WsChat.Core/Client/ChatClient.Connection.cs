using System.Net.Sockets;
using WsChat.Net.Client;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Client;

public sealed partial class ChatClient
{
    private int _generation;
    private bool _everConnected;

    // How one connection attempt ended.
    private readonly record struct Outcome(bool WasConnected, WebSocketCloseCode CloseCode, Exception? Error, ChatClientClosedException? Final);

    // The connection loop: connect, authenticate, recover, receive until the connection ends, back off, again.
    // Ends when the application closes the client or the server ends it for good. Never throws.
    private async Task RunAsync(CancellationToken stop)
    {
        int attempt = 0;
        ChatClientClosedException? final = null;
        while (!stop.IsCancellationRequested && !IsClosing())
        {
            Outcome outcome = await ConnectOnceAsync(stop).ConfigureAwait(false);
            if (stop.IsCancellationRequested || IsClosing()) break;
            if (outcome.Final is not null)
            {
                final = outcome.Final;
                ClientLog.ClosedForGood(_logger, final.Message, final.InnerException);
                break;
            }

            if (outcome.WasConnected) attempt = 0;
            TimeSpan delay = _backoff.NextDelay(attempt);
            attempt = Math.Min(attempt + 1, 62);
            ClientLog.Reconnecting(_logger, outcome.CloseCode, delay, outcome.Error);
            // The timer is armed before anyone hears of the loss, so that a handler (or a test's fake clock) that
            // acts on Reconnecting finds the wait already running.
            Task wait = Task.Delay(delay, _time, stop);
            SetState(_everConnected ? ChatConnectionState.Reconnecting : ChatConnectionState.Connecting, outcome.CloseCode, outcome.Error);
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        Terminate(final ?? new ChatClientClosedException("The chat client was closed by the application."));
    }

    private bool IsClosing()
    {
        lock (_lock) return _closing;
    }

    private async Task<Outcome> ConnectOnceAsync(CancellationToken stop)
    {
        WebSocketClient? socket = null;
        ClientConnection? connection = null;
        Task writer = Task.CompletedTask;
        try
        {
            string token;
            int heartbeatMs;
            using (var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time))
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token))
            {
                socket = await WebSocketClient.ConnectAsync(_options.ServerUri, _options.Transport, attempt.Token).ConfigureAwait(false);
                token = await GetTokenAsync(attempt.Token).ConfigureAwait(false);
                // PROTOCOL.md §2 offers the query string, a header or a first message. The first message keeps the
                // token out of the URL (which proxies and access logs record), is the same message as a refresh,
                // and a refused token comes back as error "unauthenticated" + 1008, which this client reports as
                // such, where a refused upgrade (401) would say less.
                await socket.SendAsync(WebSocketOpcode.Text, ClientMessageWriter.Auth(token, NextRef(out _)), attempt.Token).ConfigureAwait(false);
                (Outcome? refused, heartbeatMs) = await ReadWelcomeAsync(socket, attempt.Token).ConfigureAwait(false);
                if (refused is { } r) return r;
            }

            connection = new ClientConnection(socket, ++_generation, heartbeatMs);
            writer = connection.WriteLoopAsync();
            _ = WatchdogAsync(connection);          // both arm their timers before ConnectAsync returns
            ScheduleRefresh(connection, token);
            OnConnected(connection, token);
            WebSocketCloseCode closeCode = await ReceiveLoopAsync(connection, stop).ConfigureAwait(false);
            return Ended(closeCode, socket.CloseReason, null, wasConnected: true);
        }
        catch (WebSocketHandshakeException e)
        {
            return ReconnectPolicy.ShouldRetryHandshake(e.StatusCode)
                ? new Outcome(false, WebSocketCloseCode.None, e, null)
                : new Outcome(false, WebSocketCloseCode.None, e, new ChatClientClosedException($"The server refused the WebSocket upgrade with HTTP {e.StatusCode}.", innerException: e));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return new Outcome(connection is not null, WebSocketCloseCode.None, null, null);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Refused, reset, timed out (ConnectTimeout), aborted by the watchdog: a lost connection.
            return new Outcome(connection is not null, WebSocketCloseCode.AbnormalClosure, e, null);
        }
        finally
        {
            if (connection is not null)
            {
                OnDisconnected(connection);
                await writer.ConfigureAwait(false);
            }

            if (socket is not null) await socket.DisposeAsync().ConfigureAwait(false);
        }
    }

    // PROTOCOL.md §2: the server answers the auth message with welcome before anything else; a refused token gets
    // error "unauthenticated", then close 1008.
    private async Task<(Outcome? Refused, int HeartbeatMs)> ReadWelcomeAsync(WebSocketClient socket, CancellationToken cancellationToken)
    {
        ChatError? refusal = null;
        while (true)
        {
            WebSocketMessage message = await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (message.IsClose) return (Ended(message.CloseCode, socket.CloseReason, refusal, wasConnected: false), 0);
            if (message.Type != WebSocketOpcode.Text || !ServerMessageParser.TryParse(message.Payload.Span, _received)) continue;
            switch (_received.Kind)
            {
                case ServerMessageKind.Welcome:
                    lock (_lock)
                    {
                        _userId = _received.UserId;
                        _username = _received.Username ?? _received.UserId;
                        _session = _received.Session;
                    }

                    return (null, _received.HeartbeatMs ?? 0);
                case ServerMessageKind.Error:
                    refusal = ToError(_received);
                    break;
            }
        }
    }

    private Outcome Ended(WebSocketCloseCode code, string closeReason, ChatError? error, bool wasConnected)
    {
        if (ReconnectPolicy.ShouldReconnect(code, closeReason, canRefreshToken: _options.TokenProvider is not null)) return new Outcome(wasConnected, code, null, null);
        string said = closeReason.Length > 0 ? $" (\"{closeReason}\")" : "";
        string reason = error is not null
            ? $"The server closed the connection with {(ushort)code}{said} after error '{error.CodeName}': {error.Message}"
            : $"The server closed the connection with {(ushort)code}{said}, which is not retried.";
        return new Outcome(wasConnected, code, null, new ChatClientClosedException(reason, code, error));
    }

    private async Task<WebSocketCloseCode> ReceiveLoopAsync(ClientConnection connection, CancellationToken stop)
    {
        while (true)
        {
            WebSocketMessage message = await connection.Socket.ReceiveAsync(stop).ConfigureAwait(false);
            if (message.IsClose) return message.CloseCode;
            connection.CountReceived();
            if (message.Type != WebSocketOpcode.Text) continue;
            if (!ServerMessageParser.TryParse(message.Payload.Span, _received))
            {
                ClientLog.MalformedMessage(_logger, message.Payload.Length);
                continue;
            }

            Dispatch(_received);
        }
    }

    // Authenticated: make this the connection requests go out on, then recover, in this order on the wire: every
    // room joined again with since (so the server replays the gap before anything new), then every request still
    // unanswered, in the order it was made, with its original ref (the server deduplicates messages by ref).
    private void OnConnected(ClientConnection connection, string token)
    {
        var leftBehind = new List<PendingRequest>();
        lock (_lock)
        {
            _connection = connection;
            _everConnected = true;
            PendingRequest[] pending = [.. _pending.Values.OrderBy(p => p.Sequence)];
            foreach (RoomState room in _rooms.Values) room.JoinRef = null;
            foreach (PendingRequest request in pending)
            {
                if (request.Kind != RequestKind.Join) continue;
                if (!_rooms.TryGetValue(request.Target!, out RoomState? room))
                {
                    _pending.Remove(request.Ref);      // left before the server answered
                    leftBehind.Add(request);
                    continue;
                }

                Rejoin(connection, room, request);     // the application's join, with since when it has a baseline
            }

            foreach (RoomState room in _rooms.Values)
            {
                if (room.JoinRef is not null) continue;
                string r = NextRef(out long sequence);
                var rejoin = new PendingRequest<ChatJoined>(r, RequestKind.Join, [], room.Name, sequence, static m => ToJoined(m, isRejoin: true)) { Internal = true };
                _pending.Add(r, rejoin);
                Rejoin(connection, room, rejoin);
            }

            foreach (PendingRequest request in pending)
            {
                switch (request.Kind)
                {
                    case RequestKind.Join:
                        break;
                    case RequestKind.Leave:
                    case RequestKind.Auth:
                        // A new connection is in no room, and it authenticated with the newest token.
                        _pending.Remove(request.Ref);
                        leftBehind.Add(request);
                        break;
                    default:
                        connection.Enqueue(request.Payload);
                        break;
                }
            }
        }

        foreach (PendingRequest request in leftBehind) CompleteWithoutReply(request, token);
        ClientLog.Connected(_logger, _options.ServerUri, UserId ?? "", Session ?? "", connection.Generation);
        _firstConnected.TrySetResult();
        SetState(ChatConnectionState.Connected);
    }

    private static void Rejoin(ClientConnection connection, RoomState room, PendingRequest request)
    {
        long? since = room.HasBaseline ? room.LastId : null;
        request.Since = since;
        request.Payload = ClientMessageWriter.Join(room.Name, since, request.Ref);
        room.JoinRef = request.Ref;
        connection.Enqueue(request.Payload);
    }

    private void CompleteWithoutReply(PendingRequest request, string token)
    {
        switch (request)
        {
            case PendingRequest<bool> leave:
                leave.Complete(true);
                break;
            case PendingRequest<DateTimeOffset?> auth:
                auth.Complete(JwtExpiry.TryRead(token, out DateTimeOffset expires) ? expires : null);
                break;
            case PendingRequest<ChatJoined> join:
                join.Fail(new InvalidOperationException("The room was left before the server answered the join."));
                break;
        }
    }

    private void OnDisconnected(ClientConnection connection)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_connection, connection)) _connection = null;
        }

        connection.End();
    }

    // The application closed the client, or the server ended it for good: fail everything still waiting.
    private void Terminate(ChatClientClosedException reason)
    {
        List<PendingRequest> failed;
        lock (_lock)
        {
            _closed ??= reason;
            _closing = true;
            failed = [.. _pending.Values];
            _pending.Clear();
            _connection = null;
        }

        foreach (PendingRequest request in failed)
        {
            if (!request.Internal) request.Fail(ClosedError());
        }

        _firstConnected.TrySetException(ClosedError());
        _ = _firstConnected.Task.Exception;    // observed: ConnectAsync may have returned long ago
        SetState(ChatConnectionState.Closed, reason.CloseCode, reason);
    }

    // Keep-alive: the server pings a silent connection, but a dead network shows no close. When nothing arrived for
    // one heartbeat interval (welcome.heartbeat_ms), ping; when still nothing arrived after another, the connection
    // is dead: abort it, and the client reconnects.
    private async Task WatchdogAsync(ClientConnection connection)
    {
        if (connection.HeartbeatMs <= 0) return;
        TimeSpan period = TimeSpan.FromMilliseconds(connection.HeartbeatMs);
        long seen = connection.Received;
        bool pinged = false;
        try
        {
            while (true)
            {
                await Task.Delay(period, _time, connection.Ended).ConfigureAwait(false);
                long now = connection.Received;
                if (now != seen)
                {
                    seen = now;
                    pinged = false;
                    continue;
                }

                if (pinged)
                {
                    ClientLog.Silent(_logger, connection.HeartbeatMs);
                    connection.Abort();
                    return;
                }

                pinged = true;
                connection.Enqueue(ClientMessageWriter.Ping(null));
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended.
        }
    }
}
