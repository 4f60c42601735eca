using WsChat.Net.WebSockets;

namespace WsChat.Net.Transport;

public sealed partial class WebSocketConnection
{
    private int _aborted;

    /// <summary>
    /// Begins the close handshake from our side (RFC 6455 §7.1.2). <paramref name="fail"/> = "fail the WebSocket
    /// connection" (§7.1.7, a protocol error): shut TCP down right after our close frame instead of waiting for
    /// the peer's close.
    /// </summary>
    internal void StartClose(WebSocketCloseCode code, ReadOnlySpan<char> reason, bool fail)
    {
        while (true)
        {
            ConnectionPhase phase = Phase;
            switch (phase)
            {
                case ConnectionPhase.Upgrading when _server.State != WebSocketServerState.Running:
                    // A drain met a connection between its 101 and Open: the client may already hold the 101, so an
                    // abort would reach it as EOF without a close frame. UpgradeAsync checks the server state right
                    // after Open and closes with 1001 itself (or answers with a plain response and lingers).
                    return;
                case ConnectionPhase.Handshaking or ConnectionPhase.Upgrading:
                    // No WebSocket yet: there is nobody to send a close frame to.
                    Abort();
                    return;
                case ConnectionPhase.Open:
                    if (!TryMovePhase(ConnectionPhase.Open, ConnectionPhase.CloseSent)) continue;
                    Log.Closing(_server.Logger, _id, (ushort)code, reason);
                    _closeCode = code;
                    SetDeadline(_server.Options.CloseTimeout);
                    EnqueueClose(ControlFrames.Close(code, reason), fail);
                    return;
                default:
                    return;   // closing already: the first close's code stands
            }
        }
    }

    /// <summary>The peer's close frame arrived (RFC 6455 §5.5.1): echo its code (1000 when it sent none), and once
    /// both close frames are exchanged shut TCP down.</summary>
    private void OnPeerClose(WebSocketCloseCode code)
    {
        bool echo = TryMovePhase(ConnectionPhase.Open, ConnectionPhase.CloseReceived);
        if (echo)
        {
            _closeCode = code;
            SetDeadline(_server.Options.CloseTimeout);
        }

        bool shutdown = false;
        _outbound.Enter();
        _outbound.PeerCloseReceived = true;
        if (_outbound.CloseSent && !_outbound.ShutdownSent) shutdown = _outbound.ShutdownSent = true;
        _outbound.Exit();
        if (shutdown) ShutdownSend();
        if (echo)
        {
            WebSocketCloseCode reply = code == WebSocketCloseCode.NoStatusReceived ? WebSocketCloseCode.NormalClosure : code;
            EnqueueClose(ControlFrames.Close(reply, default), fail: false);
        }
    }

    /// <summary>Closes the socket at once (timeouts, a dead peer, server stop). Pending receives and sends fail, and
    /// the read loop cleans up. Idempotent and thread-safe.</summary>
    internal void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0) return;
        _outbound.Enter();
        _outbound.Aborted = true;
        bool senderIdle = !_outbound.SenderActive;
        if (senderIdle) _outbound.ReleaseAll();
        _outbound.Exit();
        // Our receive is always pending; .NET turns the close of a socket with a cancelled operation into an RST
        // (SO_LINGER 0) unless the send side was shut down first. FIN after whatever the kernel still holds (our
        // close frame) is what the peer should see.
        ShutdownSend();
        _socket.Dispose();
    }

    /// <summary>Timer: this connection's deadline passed.</summary>
    internal void OnDeadline()
    {
        if (Phase == ConnectionPhase.Handshaking && IsHeadWaitingUnread())
        {
            // The client sent its whole head in time and we have not read it: the process is behind (a starved
            // machine, docs/benchmarks.md "Churn: the 408s"). 408 would blame the client for our delay; give the loop
            // another head timeout. A client that has not finished its head is not helped by this.
            _server.Metrics.HeadTimeoutDeferred();
            SetDeadline(_server.Options.RequestHeadTimeout);
            return;
        }

        if (TryMovePhase(ConnectionPhase.Handshaking, ConnectionPhase.Lingering))
        {
            // PROTOCOL.md §5: no complete request head in time → 408, then close. The socket has sent nothing yet,
            // so this non-blocking send of a few bytes completes here.
            SetDeadline(_server.Options.CloseTimeout);
            _server.Metrics.HandshakeRejected(408);
            TrySendNow(Http.HttpResponses.RequestTimeout.Span);
            ShutdownSend();
            return;
        }

        Abort();
    }

    /// <summary>Timer: heartbeat check, once per half interval for each connection (PROTOCOL.md §5).</summary>
    internal void OnHeartbeat(ref ConnectionSlot slot, long now, long intervalMs)
    {
        if (Phase != ConnectionPhase.Open) return;
        long lastReceive = Volatile.Read(ref slot.LastReceive);
        long silent = now - lastReceive;
        if (silent >= 2 * intervalMs)
        {
            StartClose(WebSocketCloseCode.GoingAway, "heartbeat timeout", fail: false);
        }
        else if (silent >= intervalMs && slot.PingedAt <= lastReceive)
        {
            slot.PingedAt = now;
            SendPing();
        }
    }

    private bool TryMovePhase(ConnectionPhase from, ConnectionPhase to) =>
        Interlocked.CompareExchange(ref _phase, (int)to, (int)from) == (int)from;

    private void SetPhase(ConnectionPhase phase) => Volatile.Write(ref _phase, (int)phase);

    private void SetDeadline(TimeSpan fromNow) => _server.SetDeadline(_id, Environment.TickCount64 + (long)fromNow.TotalMilliseconds);

    private void ClearDeadline() => _server.SetDeadline(_id, 0);

    private void TrySendNow(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _socket.TrySend(bytes, out _);
        }
        catch (ObjectDisposedException)
        {
            // Aborted meanwhile.
        }
    }
}
