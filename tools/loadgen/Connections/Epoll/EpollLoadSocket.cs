using System.Buffers;
using System.Net;
using System.Text;
using WsChat.Net.Client;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;
using static WsChat.LoadGen.Connections.Epoll.LoadNative;

namespace WsChat.LoadGen.Connections.Epoll;

/// <summary>
/// One client WebSocket on a <see cref="ReceiveLoop"/> (<c>--client epoll</c>, the default on Linux): a non-blocking
/// descriptor, WsChat.Net's framer (<see cref="WebSocketReader"/>, <see cref="FrameWriter"/>, the handshake check of
/// <see cref="WebSocketClient"/>), and no task, buffer or thread-pool item per received message: the loop thread
/// reads, parses and calls the session. Sends are synchronous, non-blocking send() calls on the caller's thread.
/// </summary>
/// <remarks>
/// <para>Lifecycle: Connecting (EPOLLOUT reports the connect's end) → Handshaking (request sent, reading the 101) →
/// Open → CloseReceived (the server's close frame answered; waiting for its FIN) → Done (fd closed). Only the loop
/// thread moves between states and closes the descriptor; other threads ask it to by <see cref="ReceiveLoop.Kick"/>.</para>
/// <para>Descriptor lifetime: sends hold a use count, so the fd is closed by whoever drops the last use after the loop
/// removed it from epoll: a send on another thread can never hit a number the kernel gave to the next socket.</para>
/// </remarks>
internal sealed class EpollLoadSocket : ILoadSocket
{
    // A response head longer than this is not a chat server's 101 (WebSocketClientOptions' default).
    private const int MaxResponseHeadBytes = 16 * 1024;
    // Larger frames (a message-size option in the KiB) go through the pool; chat messages fit on the stack.
    private const int StackFrameBytes = 1024;
    // A send into a full socket buffer waits this long for room: the server stopped reading for that long.
    private const int SendWaitMillis = 10_000;
    private const int ClosedBit = 1 << 30;

    [ThreadStatic]
    private static FrameWriter? t_writer;   // masking keys need only be unpredictable, not per connection (RFC 6455 §5.3)

    private readonly ReceiveLoop _loop;
    private readonly TaskCompletionSource<ILoadSocket> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebSocketReader _reader = new(isServer: false, maxMessageSize: 16 * 1024 * 1024, maxFramesPerMessage: 65_536);
    private InputBuffer _input;      // the handshake head, and a frame split over two reads; empty (no buffer) otherwise
    private byte[]? _request;        // the upgrade request until it was sent
    private string? _key;            // Sec-WebSocket-Key until the 101 was checked
    private volatile IMessageSink? _sink;
    private State _state;
    private int _users;              // sends in flight, | ClosedBit once the loop finished with the fd
    private int _fdClosed;
    private int _sendLock;
    private int _closeSent;
    private volatile bool _disposeRequested;
    private bool _finPending;        // the server's FIN came before the session attached (loop thread)
    private Exception? _abortReason;
    private CancellationTokenRegistration _receiveCancellation;

    private EpollLoadSocket(ReceiveLoop loop, int fd, byte[] request, string key)
    {
        _loop = loop;
        Fd = fd;
        _request = request;
        _key = key;
    }

    private enum State
    {
        Connecting,
        Handshaking,
        Open,
        CloseReceived,
        Done,
    }

    public int Fd { get; }

    /// <summary>The loop's slot and token (<see cref="ReceiveLoop.Add"/>).</summary>
    public int Slot { get; set; } = -1;

    public uint Token { get; set; }

    /// <summary>Opens a non-blocking TCP connection to <paramref name="remote"/> (from <paramref name="source"/>), and
    /// completes once the server's 101 was checked.</summary>
    public static async Task<ILoadSocket> ConnectAsync(ReceiveLoop loop, Uri url, IPEndPoint remote, IPAddress? source, CancellationToken cancellationToken)
    {
        string key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        byte[] request = Encoding.ASCII.GetBytes(
            $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n");
        EpollLoadSocket socket = new(loop, OpenDescriptor(remote, source), request, key);
        int errno = loop.Add(socket, EPOLLOUT | EPOLLIN | EPOLLRDHUP);
        if (errno != 0)
        {
            close(socket.Fd);
            throw LoadNative.Exception(errno);
        }

        await using CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(
            static (state, token) => ((EpollLoadSocket)state!).Abort(new OperationCanceledException(token)), socket);
        return await socket._connected.Task.ConfigureAwait(false);
    }

    public ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken)
    {
        try
        {
            if (Volatile.Read(ref _closeSent) != 0) throw new InvalidOperationException("The connection is closing.");
            SendFrame(WebSocketOpcode.Text, utf8.Span);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    public Task ReceiveLoopAsync(IMessageSink sink, CancellationToken cancellationToken)
    {
        _sink = sink;
        _loop.Kick(this);   // the loop parses what arrived right behind the 101 (the welcome) now that someone listens
        if (cancellationToken.CanBeCanceled)
        {
            _receiveCancellation = cancellationToken.UnsafeRegister(static (state, token) => ((TaskCompletionSource)state!).TrySetCanceled(token), _done);
        }

        return _done.Task;
    }

    /// <summary>Sends our close (1000); the receive loop's task ends when the server answers and closes TCP (it closes first:
    /// RFC 6455 §7.1.1, so TIME_WAIT stays on the server's side, not among the loadgen's ports).</summary>
    public Task CloseAsync(CancellationToken cancellationToken)
    {
        TrySendClose(WebSocketCloseCode.NormalClosure);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Abort(new ObjectDisposedException(nameof(EpollLoadSocket)));
        return ValueTask.CompletedTask;
    }

    /// <summary>Loop thread: readiness of the descriptor.</summary>
    internal void OnEvents(uint events, ReceiveLoop loop)
    {
        switch (_state)
        {
            case State.Connecting:
                OnConnected(loop);
                break;
            case State.Handshaking:
                OnHandshakeBytes(loop);
                break;
            case State.Open or State.CloseReceived:
                Receive(loop);
                break;
        }
    }

    /// <summary>Loop thread: a session attached (parse what is buffered) or a dispose was asked for.</summary>
    internal void OnKick(ReceiveLoop loop)
    {
        if (_state == State.Done) return;
        if (_disposeRequested)
        {
            Finish(loop, _abortReason ?? new ObjectDisposedException(nameof(EpollLoadSocket)));
            return;
        }

        if (_state is State.Open or State.CloseReceived && !_input.IsEmpty && _sink is not null)
        {
            long consumed = Parse(loop, _input.Readable);
            if (_state != State.Done) _input.Consume(consumed);
        }

        if (_finPending && _sink is not null) Finish(loop, null);
    }

    /// <summary>Loop thread: the end. Removes the fd from epoll, closes it once no send uses it, completes the tasks
    /// (<paramref name="error"/> null: the server closed TCP; the receive loop ends normally).</summary>
    internal void Finish(ReceiveLoop loop, Exception? error)
    {
        if (_state == State.Done) return;
        _state = State.Done;
        loop.Remove(this);
        _input.Release();
        if (Interlocked.Or(ref _users, ClosedBit) == 0) CloseDescriptor();
        _connected.TrySetException(error ?? new IOException("The server closed the connection during the handshake."));
        if (error is null) _done.TrySetResult();
        else _done.TrySetException(error);
        _receiveCancellation.Dispose();
    }

    private void Abort(Exception reason)
    {
        if (_disposeRequested) return;
        _abortReason = reason;
        _disposeRequested = true;
        _loop.Kick(this);
    }

    private static unsafe int OpenDescriptor(IPEndPoint remote, IPAddress? source)
    {
        int family = remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;
        int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) throw LoadNative.Exception(Errno);
        try
        {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int));
            Span<byte> address = stackalloc byte[28];
            if (source is not null)
            {
                // Bind picks the address now and the port at connect time: ports are shared across destinations.
                setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(int));
                int length = WriteSockaddr(new IPEndPoint(source, 0), address);
                fixed (byte* p = address)
                {
                    if (bind(fd, p, length) != 0) throw LoadNative.Exception(Errno);
                }
            }

            int remoteLength = WriteSockaddr(remote, address);
            fixed (byte* p = address)
            {
                if (connect(fd, p, remoteLength) != 0 && Errno != EINPROGRESS) throw LoadNative.Exception(Errno);
            }

            return fd;
        }
        catch
        {
            close(fd);
            throw;
        }
    }

    private unsafe void OnConnected(ReceiveLoop loop)
    {
        int error = 0, length = sizeof(int);
        if (getsockopt(Fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = Errno;
        if (error != 0)
        {
            Finish(loop, LoadNative.Exception(error));
            return;
        }

        // A fresh socket's send buffer (≥ 16 KiB) takes the ~400-byte request whole.
        byte[] request = _request!;
        _request = null;
        fixed (byte* p = request)
        {
            nint sent = send(Fd, p, (nuint)request.Length, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (sent != request.Length)
            {
                Finish(loop, sent < 0 ? LoadNative.Exception(Errno) : new IOException("The upgrade request did not fit the socket buffer."));
                return;
            }
        }

        _state = State.Handshaking;
        loop.Modify(this, EPOLLIN | EPOLLRDHUP);
    }

    private unsafe void OnHandshakeBytes(ReceiveLoop loop)
    {
        Memory<byte> into = _input.GetWritable(MaxResponseHeadBytes);
        if (into.IsEmpty)
        {
            Finish(loop, new WebSocketHandshakeException(0, "The response head is too long."));
            return;
        }

        int received = ReceiveInto(into.Span, out int errno);
        if (received < 0)
        {
            if (errno != EAGAIN) Finish(loop, LoadNative.Exception(errno));
            return;
        }

        if (received == 0)
        {
            Finish(loop, new IOException("The server closed the connection during the handshake."));
            return;
        }

        _input.Advance(received);
        ReadOnlySpan<byte> data = _input.Readable.FirstSpan;   // InputBuffer is one array
        int end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0) return;
        try
        {
            UpgradeResponse.Verify(data[..(end + 4)], _key!);
        }
        catch (WebSocketHandshakeException e)
        {
            Finish(loop, e.StatusCode is 0 or 101 ? e : new HandshakeRejectedException(e.StatusCode));
            return;
        }

        _key = null;
        _input.Consume(end + 4);   // frames sent right behind the 101 stay buffered until the session attaches
        _state = State.Open;
        _connected.TrySetResult(this);
    }

    private unsafe void Receive(ReceiveLoop loop)
    {
        int received, errno;
        if (_input.IsEmpty && _sink is not null)
        {
            // The common case: nothing left over; read into the loop's buffer and parse there, in place.
            byte[] buffer = loop.BufferArray;
            received = ReceiveInto(buffer, out errno);
            if (received > 0)
            {
                long consumed = Parse(loop, new ReadOnlySequence<byte>(buffer, 0, received));
                if (_state != State.Done && consumed < received) Keep(buffer.AsSpan((int)consumed, received - (int)consumed));
                return;
            }
        }
        else
        {
            Memory<byte> into = _input.GetWritable(int.MaxValue);
            received = ReceiveInto(into.Span, out errno);
            if (received > 0)
            {
                _input.Advance(received);
                if (_sink is null) return;   // the session attaches in a moment; its kick parses this
                long consumed = Parse(loop, _input.Readable);
                if (_state != State.Done) _input.Consume(consumed);
                return;
            }
        }

        if (received == 0 && _sink is null)
        {
            // The server closed before the session attached: its kick parses what came first, then ends.
            _finPending = true;
            loop.Modify(this, 0);   // no more RDHUP reports (level-triggered) until then
        }
        else if (received == 0)
        {
            Finish(loop, null);   // the server's FIN: after its close frame, or a dropped connection
        }
        else if (errno != EAGAIN)
        {
            Finish(loop, LoadNative.Exception(errno));
        }
    }

    // A frame split over two reads: its start waits in the connection's own (pooled) buffer for the rest.
    private void Keep(ReadOnlySpan<byte> rest)
    {
        while (!rest.IsEmpty)
        {
            Span<byte> into = _input.GetWritable(int.MaxValue).Span;
            int n = Math.Min(into.Length, rest.Length);
            rest[..n].CopyTo(into);
            _input.Advance(n);
            rest = rest[n..];
        }
    }

    /// <summary>Hands every whole message in <paramref name="input"/> to the session; returns the bytes consumed.</summary>
    private long Parse(ReceiveLoop loop, ReadOnlySequence<byte> input)
    {
        long length = input.Length;
        while (true)
        {
            OperationStatus status = _reader.TryRead(ref input, out WebSocketEvent evt, out WebSocketCloseCode error);
            if (status == OperationStatus.NeedMoreData) return length - input.Length;
            if (status == OperationStatus.InvalidData)
            {
                // The server broke RFC 6455: fail the connection with the reader's code (§7.1.7).
                TrySendClose(error);
                Finish(loop, new IOException($"The server broke RFC 6455 (close {(int)error})."));
                return length - input.Length;
            }

            switch (evt.Type)
            {
                case WebSocketEventType.Message when evt.Opcode == WebSocketOpcode.Text:
                    _sink!.OnMessage(evt.Payload.Span);
                    break;
                case WebSocketEventType.Ping:
                    if (Volatile.Read(ref _closeSent) == 0) TrySend(WebSocketOpcode.Pong, evt.Payload.Span);
                    break;
                case WebSocketEventType.Close:
                    // RFC 6455 §5.5.1: answer with a close (echoing the code); then the server closes TCP (§7.1.1).
                    TrySendClose(evt.CloseCode is WebSocketCloseCode.NoStatusReceived or WebSocketCloseCode.None ? WebSocketCloseCode.NormalClosure : evt.CloseCode);
                    _state = State.CloseReceived;
                    break;
            }
        }
    }

    private unsafe int ReceiveInto(Span<byte> buffer, out int errno)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint received = recv(Fd, p, (nuint)buffer.Length, MSG_DONTWAIT);
                if (received >= 0)
                {
                    errno = 0;
                    return (int)received;
                }

                errno = Errno;
                if (errno != EINTR) return -1;
            }
        }
    }

    private void TrySendClose(WebSocketCloseCode code)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) != 0) return;
        Span<byte> payload = stackalloc byte[2];
        payload[0] = (byte)((ushort)code >> 8);
        payload[1] = (byte)code;
        TrySend(WebSocketOpcode.Close, payload);
    }

    private void TrySend(WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        try
        {
            SendFrame(opcode, payload);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException or TimeoutException)
        {
            // Gone already; the receive side sees the end.
        }
    }

    /// <summary>Frames and sends one masked frame whole, on the caller's thread; frames of concurrent callers never interleave.</summary>
    private void SendFrame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        int frameLength = FrameWriter.GetHeaderLength(payload.Length, masked: true) + payload.Length;
        byte[]? rented = frameLength > StackFrameBytes ? ArrayPool<byte>.Shared.Rent(frameLength) : null;
        Span<byte> frame = rented is null ? stackalloc byte[StackFrameBytes] : rented;
        try
        {
            if (!TryEnter()) throw new ObjectDisposedException(nameof(EpollLoadSocket));
            try
            {
                SpinWait spin = default;
                while (Interlocked.CompareExchange(ref _sendLock, 1, 0) != 0) spin.SpinOnce();
                try
                {
                    int length = (t_writer ??= new FrameWriter(masked: true)).Write(frame, opcode, payload);
                    SendAll(frame[..length]);
                }
                finally
                {
                    Volatile.Write(ref _sendLock, 0);
                }
            }
            finally
            {
                Exit();
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private unsafe void SendAll(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            int offset = 0;
            while (offset < bytes.Length)
            {
                nint sent = send(Fd, start + offset, (nuint)(bytes.Length - offset), MSG_DONTWAIT | MSG_NOSIGNAL);
                if (sent >= 0)
                {
                    offset += (int)sent;
                    continue;
                }

                int errno = Errno;
                if (errno == EINTR) continue;
                if (errno != EAGAIN) throw LoadNative.Exception(errno);

                // The server is not reading: wait for room (this caller only; the frame must go out whole).
                long pollfd = (uint)Fd | ((long)POLLOUT << 32);   // struct pollfd { int fd; short events; short revents; }
                if (poll(&pollfd, 1, SendWaitMillis) == 0) throw new TimeoutException("The server took nothing for 10 s.");
            }
        }
    }

    private bool TryEnter()
    {
        if ((Interlocked.Increment(ref _users) & ClosedBit) == 0) return true;
        Exit();
        return false;
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _users) == ClosedBit) CloseDescriptor();
    }

    private void CloseDescriptor()
    {
        if (Interlocked.Exchange(ref _fdClosed, 1) == 0) close(Fd);
    }
}
