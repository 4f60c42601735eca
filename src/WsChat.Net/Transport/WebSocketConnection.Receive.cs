using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WsChat.Net.WebSockets;

namespace WsChat.Net.Transport;

public sealed partial class WebSocketConnection
{
    private bool _opened;           // OnOpen was called: OnClose is owed
    private bool _countedAsWebSocket;   // in the server's WebSocketCount (from the upgrade's acceptance): uncounted at cleanup
    private bool _lastReadFilled;   // the last receive filled the buffer: more is probably waiting, skip the readiness wait

    /// <summary>
    /// The connection's life: request head, upgrade, then messages (<see cref="Pump"/>), close handshake, linger.
    /// Started by the accept loop; catches everything (a misbehaving peer or handler never reaches the server) and
    /// cleans up once.
    /// </summary>
    /// <remarks>
    /// Only the handshake runs as this task. An open connection has no task of its own: <see cref="Pump"/> reads what is
    /// there and, when nothing is, arms a readiness callback on the socket and returns, so an idle connection holds no
    /// parked state machine (issue 5: 160 bytes each; docs/architecture.md "How a connection waits"). The pump ends the
    /// connection with <see cref="EndAsync"/>.
    /// </remarks>
    internal async Task RunAsync()
    {
        _rx = ReceiveState.Rent();   // the head is read into its buffer
        bool open = false;
        bool linger = true;
        try
        {
            open = await HandshakeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            OnLoopFailed(e);
            linger = false;
        }

        if (open)
        {
            Pump(readable: _lastReadFilled);
            return;
        }

        await EndAsync(linger).ConfigureAwait(false);
    }

    /// <summary>Thread pool: the socket became readable after <see cref="Pump"/> parked (or failed, or was aborted).</summary>
    void IReadableCallback.OnReadable() => Pump(readable: true);

    /// <summary>Epoll thread: the socket became readable after <see cref="Pump"/> parked.</summary>
    void IReadableCallback.OnReadableInline() => Pump(readable: true, inline: true);

    // A pump on the epoll thread that found more than one buffer's worth goes on here (a large message or a burst).
    private static readonly Action<WebSocketConnection> s_pumpOnPool = static c => c.Pump(readable: true);

    /// <summary>
    /// The open connection's receive path: receives without waiting and dispatches frames until the socket has nothing
    /// more, then parks with <see cref="ConnectionSocket.WaitReadable"/> (holding no receive buffer) and returns. At most
    /// one pump runs per connection: the next is started by the socket's callback, only after this one armed it.
    /// </summary>
    /// <param name="readable">Try a receive before waiting (the socket reported readiness, or the last receive filled
    /// the buffer so more is probably there).</param>
    /// <param name="inline">On the epoll thread (<see cref="IReadableCallback.OnReadableInline"/>): handle one
    /// buffer, then, if it was filled (more is probably waiting), go on on the thread pool, so one busy connection
    /// never holds up every other socket's events.</param>
    private void Pump(bool readable, bool inline = false)
    {
        bool linger = true;
        try
        {
            // Woken after parking idle: a fresh reader, at a frame boundary with no message open.
            _rx ??= RentReceiveState();

            while (true)
            {
                if (!readable)
                {
                    if (_rx.IsIdle)
                    {
                        // Idle: hold no reader, no receive buffer while waiting (the state goes back to the pool).
                        ReceiveState.Return(_rx);
                        _rx = null;
                    }
                    else if (_rx.Input.IsEmpty)
                    {
                        _rx.Input.Release();   // mid-message: keep the reader, not the empty buffer
                    }

                    // Parked: nothing of this connection runs until the callback; touch no state after arming it.
                    if (!_socket.WaitReadable(this)) return;
                    _rx ??= RentReceiveState();
                }

                Memory<byte> buffer = _rx.Input.GetWritable(int.MaxValue);
                int received = _socket.TryReceive(buffer.Span);
                if (received < 0)
                {
                    readable = false;   // a stale readiness report: wait for the next
                    continue;
                }

                if (received == 0)
                {
                    // TCP ended without a close frame (RFC 6455 §7.1.5: 1006).
                    if (_closeCode == WebSocketCloseCode.None) _closeCode = WebSocketCloseCode.AbnormalClosure;
                    break;
                }

                readable = received == buffer.Length;   // filled: more is probably waiting, skip the wait
                _rx.Input.Advance(received);
                _server.Metrics.BytesReceived(received);
                _server.Touch(_id, Environment.TickCount64);
                if (!ProcessFrames()) break;
                if (inline && readable)
                {
                    // The rest on the thread pool (one work-item object: only when a read filled the buffer). This
                    // pump ends here and touches nothing after queueing the next, so one pump still runs at a time.
                    ThreadPool.UnsafeQueueUserWorkItem(s_pumpOnPool, this, preferLocal: false);
                    return;
                }
            }
        }
        catch (Exception e)
        {
            OnLoopFailed(e);
            linger = false;
        }

        _ = EndAsync(linger);
    }

    private ReceiveState RentReceiveState()
    {
        ReceiveState rx = ReceiveState.Rent();
        WebSocketEndpointOptions options = _endpoint!.Options;
        rx.Reader = new WebSocketReader(isServer: true, options.MaxMessageBytes, options.MaxFramesPerMessage);
        return rx;
    }

    /// <summary>The reader and the receive buffer (rented while the connection reads; see <see cref="ReceiveState"/>).</summary>
    private ref WebSocketReader Reader => ref _rx!.Reader;

    private ref InputBuffer Input => ref _rx!.Input;

    /// <summary>After the messages (or a plain HTTP response): linger until the peer closes, then clean up.</summary>
    private async Task EndAsync(bool linger)
    {
        try
        {
            if (linger) await LingerAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            OnLoopFailed(e);
        }
        finally
        {
            Cleanup();
        }
    }

    private void OnLoopFailed(Exception e)
    {
        if (IsConnectionGone(e))
        {
            // Reset by the peer, or aborted by a timeout or the server stopping: nothing to tell anyone.
            if (_closeCode == WebSocketCloseCode.None) _closeCode = WebSocketCloseCode.AbnormalClosure;
            return;
        }

        // A bug of ours: log once with the connection id, try to say 1011, and close.
        Log.ConnectionFailed(_server.Logger, _id, e);
        if (_closeCode == WebSocketCloseCode.None) _closeCode = WebSocketCloseCode.InternalError;
        TrySendInternalErrorClose();
    }

    /// <summary>Waits for bytes without holding a buffer, then receives into a rented one. 0 = end of stream. The
    /// handshake's and the linger's read; an open connection reads in <see cref="Pump"/>.</summary>
    /// <remarks>Called once per read: its state machine comes from a pool, so a read that has to wait allocates nothing.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveAsync(int maxBuffered)
    {
        if (Input.IsEmpty && !_lastReadFilled)
        {
            // Wait holding no receive buffer (the readiness wait completes when bytes arrive).
            Input.Release();
            await _socket.WaitReadableAsync().ConfigureAwait(false);
        }

        Memory<byte> buffer = Input.GetWritable(maxBuffered);
        if (buffer.IsEmpty) return -1;
        int received = await _socket.ReceiveAsync(buffer).ConfigureAwait(false);
        _lastReadFilled = received == buffer.Length;
        if (received > 0)
        {
            Input.Advance(received);
            _server.Metrics.BytesReceived(received);
            _server.Touch(_id, Environment.TickCount64);
        }

        return received;
    }

    /// <summary>Turns the buffered bytes into events and dispatches them. False when the loop should stop reading
    /// frames (the peer's close arrived, or the connection failed).</summary>
    private bool ProcessFrames()
    {
        ReadOnlySequence<byte> input = Input.Readable;
        long length = input.Length;
        bool keepReading = true;
        while (keepReading)
        {
            OperationStatus status = Reader.TryRead(ref input, out WebSocketEvent evt, out WebSocketCloseCode error);
            if (status == OperationStatus.NeedMoreData) break;
            if (status != OperationStatus.Done)
            {
                // RFC 6455 §7.1.7: fail the connection with the close code the reader chose (1002, 1007, 1009).
                StartClose(error, CloseReasons.For(error), fail: true);
                keepReading = false;
                input = input.Slice(input.End);
                break;
            }

            keepReading = Dispatch(in evt);
        }

        Input.Consume(length - input.Length);
        return keepReading;
    }

    private bool Dispatch(in WebSocketEvent evt)
    {
        switch (evt.Type)
        {
            case WebSocketEventType.Message:
                // After our close frame the peer may still send data (RFC 6455 §7.1.2); it is read and dropped.
                if (Phase != ConnectionPhase.Open) return true;
                try
                {
                    _endpoint!.Handler.OnMessage(this, evt.Opcode, evt.Payload.Span);
                }
                catch (Exception e)
                {
                    Log.HandlerFailed(_server.Logger, _id, e);
                    StartClose(WebSocketCloseCode.InternalError, "internal error", fail: true);
                    return false;
                }

                return true;
            case WebSocketEventType.Ping:
                // RFC 6455 §5.5.3: a pong with the same payload, as soon as practical.
                Enqueue(ControlFrames.Pong(evt.Payload.Span), control: true);
                return true;
            case WebSocketEventType.Close:
                OnPeerClose(evt.CloseCode);
                return false;
            default:
                return true;   // a pong: the bytes already counted as activity for the heartbeat
        }
    }

    /// <summary>
    /// After the handshake (or an HTTP response): keep reading and dropping bytes until the peer closes TCP, so that
    /// the socket is never closed with unread data (which would send an RST that can destroy our close frame or
    /// response in flight). Bounded by the close timeout: the timer aborts the socket.
    /// </summary>
    private async Task LingerAsync()
    {
        ConnectionPhase phase = Phase;
        if (phase != ConnectionPhase.Lingering && phase != ConnectionPhase.Closed)
        {
            SetPhase(ConnectionPhase.Lingering);
            SetDeadline(_server.Options.CloseTimeout);
        }

        _rx ??= ReceiveState.Rent();   // an open connection that parked idle gave its state back
        if (Reader.HoldsBuffer) Reader.Reset();   // a message cut short: its buffers go back to the pool
        Input.Release();
        _lastReadFilled = false;
        while (Volatile.Read(ref _aborted) == 0)
        {
            Input.Release();   // discard: nothing read from here on is interpreted
            int received = await ReceiveAsync(InputBuffer.MinReadSize).ConfigureAwait(false);
            if (received <= 0) break;
        }

        // The peer closed its side. If our close frame is still on its way, give the sender until the deadline.
        while (Volatile.Read(ref _aborted) == 0 && IsSending())
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    private bool IsSending()
    {
        _outbound.Enter();
        bool sending = _outbound.SenderActive;
        _outbound.Exit();
        return sending;
    }

    private void TrySendInternalErrorClose()
    {
        if (Phase is ConnectionPhase.Open or ConnectionPhase.CloseReceived or ConnectionPhase.CloseSent && !IsSending())
        {
            Span<byte> frame = stackalloc byte[4];
            frame[0] = 0x80 | (byte)WebSocketOpcode.Close;
            frame[1] = 2;
            frame[2] = (byte)((int)WebSocketCloseCode.InternalError >> 8);
            frame[3] = (byte)((int)WebSocketCloseCode.InternalError & 0xFF);
            TrySendNow(frame);
            ShutdownSend();
        }
    }

    private void Cleanup()
    {
        SetPhase(ConnectionPhase.Closed);
        try
        {
            if (_rx is not null) ReceiveState.Return(_rx);   // with whatever buffers a cut-short message held
        }
        finally
        {
            _rx = null;
            Abort();
            _server.Connections.Remove(_id);
            if (_opened) _server.Metrics.ConnectionClosed(_closeCode);
            if (_opened) Log.Closed(_server.Logger, _id, _closeCode);
            if (_opened)
            {
                try
                {
                    _endpoint!.Handler.OnClose(this, _closeCode == WebSocketCloseCode.None ? WebSocketCloseCode.AbnormalClosure : _closeCode);
                }
                catch (Exception e)
                {
                    Log.HandlerFailed(_server.Logger, _id, e);
                }
            }

            _server.OnConnectionClosed(this, _countedAsWebSocket);
        }
    }

    private bool IsConnectionGone(Exception e) =>
        e is SocketException or ObjectDisposedException || (e is OperationCanceledException && Volatile.Read(ref _aborted) != 0);
}
