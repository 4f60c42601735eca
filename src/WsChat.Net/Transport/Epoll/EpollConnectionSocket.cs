using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using static WsChat.Net.Transport.Epoll.LinuxNative;

namespace WsChat.Net.Transport.Epoll;

/// <summary>
/// A connection's socket on the epoll engine: a non-blocking descriptor registered edge-triggered with the shared
/// <see cref="EpollEngine"/>, plus one readiness flag per direction, and per direction an awaiter made only when a
/// task-based wait has to park. An idle connection parks in <see cref="WaitReadable"/> on this object itself: nothing
/// else is held per connection or allocated per wait (compare ~1 KB managed for Socket, SafeSocketHandle, SocketAsyncContext and its event args).
/// </summary>
/// <remarks>
/// <para>Edge-triggered rule: a direction's waiter parks only when its flag is clear; an event that arrives while no
/// waiter is parked sets the flag (<see cref="Readiness.Ready"/>), so readiness that lands between an EAGAIN and the
/// park is never lost. A stale flag only costs one more try of the operation.</para>
/// <para>Descriptor lifetime: every system call holds a use count; <see cref="Dispose"/> marks the socket closed and
/// wakes parked waiters with <see cref="ObjectDisposedException"/>, and whoever drops the last use removes the fd
/// from epoll and closes it. So a send on another thread can never hit a descriptor number the kernel has already
/// given to the next accepted connection.</para>
/// <para>Size on x64: 16 header + 6 ints + three references (the callback, the two lazily made awaiters) = 64 bytes.</para>
/// <para>An open connection parks with <see cref="WaitReadable"/> instead of a task: the state becomes Armed, and the
/// event that ends the wait queues this socket itself to the thread pool (<see cref="IThreadPoolWorkItem"/>), which calls
/// the connection back. Nothing waits per connection but this object's state.</para>
/// </remarks>
internal sealed class EpollConnectionSocket : ConnectionSocket, IEpollRegistration, IThreadPoolWorkItem
{
    private const int ClosedBit = 1 << 30;
    private const uint ReadEvents = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;   // RDHUP: the peer's FIN, recv gives 0
    private const uint WriteEvents = EPOLLOUT | EPOLLHUP | EPOLLERR;

    private readonly int _fd;
    private readonly uint _token;
    private readonly bool _receiveOnEventThread;   // WebSocketServerOptions.ReceiveOnEventThread
    private int _users;       // system calls in flight on _fd, | ClosedBit once disposed
    private int _fdClosed;    // 1 once close(_fd) ran
    private int _readState;   // Readiness
    private int _writeState;  // Readiness
    private Waiter? _readWaiter;    // a parked WaitReadableAsync (handshake, linger); made when first needed, dropped once open
    private Waiter? _writeWaiter;   // a parked send (a full socket buffer: a slow reader); made when first needed
    private IReadableCallback? _onReadable;   // WaitReadable's callback (the open connection's receive path)

    private EpollConnectionSocket(int fd, bool receiveOnEventThread)
    {
        _fd = fd;
        _token = EpollEngine.NextToken();
        _receiveOnEventThread = receiveOnEventThread;
    }

    private enum Readiness
    {
        Idle,      // no waiter, no news since the last operation
        Ready,     // the kernel reported readiness while nobody waited: the next wait completes at once
        Waiting,   // a waiter is parked; the next event completes it
        Armed,     // a callback is parked (WaitReadable, read side only); the next event queues it to the thread pool
        Final,     // the peer's FIN, a hang-up or an error was reported: every wait completes at once from now on
        Disposed,  // waits fail
    }

    public int Fd => _fd;

    public uint Token => _token;

    /// <summary>Takes over the accepted, non-blocking <paramref name="fd"/> and registers it (EPOLLIN | EPOLLOUT |
    /// EPOLLRDHUP, edge-triggered). On failure the fd is closed and null returned with the errno.</summary>
    /// <param name="engine">The engine whose event thread reports the socket's readiness.</param>
    /// <param name="fd">The accepted socket.</param>
    /// <param name="receiveOnEventThread">Run a parked receive callback on the event thread for plain readiness
    /// (<see cref="WebSocketServerOptions.ReceiveOnEventThread"/>) instead of queueing it to the thread pool.</param>
    /// <param name="errno">The registration's error, 0 on success.</param>
    public static EpollConnectionSocket? Register(EpollEngine engine, int fd, bool receiveOnEventThread, out int errno)
    {
        var socket = new EpollConnectionSocket(fd, receiveOnEventThread);
        errno = engine.Register(socket, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
        if (errno == 0)
        {
            FixedSockets.Add(fd);   // a fixed file of the fan-out send rings (SendBatch)
            return socket;
        }

        socket.Dispose();
        return null;
    }

    void IEpollRegistration.OnEvents(uint events)
    {
        // The peer's FIN (RDHUP), a hang-up or an error is a state, not a passing event: a read that took the data
        // in front of a FIN leaves the FIN readable with no further edge to come, so these make a direction ready
        // for good (Final) instead of once.
        if ((events & WriteEvents) != 0) Signal(ref _writeState, ref _writeWaiter, final: (events & (EPOLLHUP | EPOLLERR)) != 0);
        if ((events & ReadEvents) == 0) return;
        bool final = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
        // With ReceiveOnEventThread, an open connection parked on plain readiness (a chat message, a pong): its
        // receive runs here, on this thread, instead of as a thread-pool work item. The hop cost a worker's wake-up and sleep per message
        // (~2 µs of server CPU per delivery in the fixed-rate fan-out: docs/benchmarks.md "Spinning before
        // sleeping"). The callback reads one buffer here and hands more to the thread pool; ends (FIN, errors) go
        // to the thread pool as before, since the clean-up that follows them is longer.
        if (_receiveOnEventThread && !final && Interlocked.CompareExchange(ref _readState, (int)Readiness.Idle, (int)Readiness.Armed) == (int)Readiness.Armed)
        {
            _onReadable!.OnReadableInline();
            return;
        }

        Signal(ref _readState, ref _readWaiter, final);
    }

    public override ValueTask<int> WaitReadableAsync() => Park(ref _readState, ref _readWaiter) switch
    {
        Readiness.Waiting => new ValueTask<int>(_readWaiter!, _readWaiter!.Version),
        Readiness.Ready => new ValueTask<int>(0),
        _ => ValueTask.FromException<int>(Disposed()),
    };

    private ValueTask WaitWritableAsync() => Park(ref _writeState, ref _writeWaiter) switch
    {
        Readiness.Waiting => new ValueTask(_writeWaiter!, _writeWaiter!.Version),
        Readiness.Ready => ValueTask.CompletedTask,
        _ => ValueTask.FromException(Disposed()),
    };

    public override bool WaitReadable(IReadableCallback callback)
    {
        // The open connection waits here from now on: the handshake's awaiter (completed, its result taken) goes.
        _readWaiter = null;
        _onReadable = callback;   // published by the CAS below, read by the thread that sees Armed
        while (true)
        {
            int current = Volatile.Read(ref _readState);
            switch ((Readiness)current)
            {
                case Readiness.Ready:
                    if (Interlocked.CompareExchange(ref _readState, (int)Readiness.Idle, current) == current) return true;
                    break;
                case Readiness.Final or Readiness.Disposed:
                    return true;   // the receive that follows reads the FIN, the error, or throws
                case Readiness.Waiting or Readiness.Armed:
                    throw new InvalidOperationException("A second wait in the same direction (one receive at a time).");
                default:
                    if (Interlocked.CompareExchange(ref _readState, (int)Readiness.Armed, current) == current) return false;
                    break;
            }
        }
    }

    public override int TryReceive(Span<byte> buffer)
    {
        int received = Receive(buffer, 0, out int errno);
        if (received >= 0) return received;
        if (errno == EAGAIN) return -1;
        throw Failure(errno);
    }

    /// <summary>Thread pool: an armed <see cref="WaitReadable"/> fired (readiness, FIN, error, or disposed).</summary>
    void IThreadPoolWorkItem.Execute() => _onReadable!.OnReadable();

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        int received = Receive(buffer.Span, 0, out int errno);
        if (received >= 0) return new ValueTask<int>(received);
        return errno == EAGAIN ? ReceiveWhenReadableAsync(buffer) : ValueTask.FromException<int>(Failure(errno));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveWhenReadableAsync(Memory<byte> buffer)
    {
        while (true)
        {
            await WaitReadableAsync().ConfigureAwait(false);
            int received = Receive(buffer.Span, 0, out int errno);
            if (received >= 0) return received;
            if (errno != EAGAIN) throw Failure(errno);
        }
    }

    public override int Peek(Span<byte> buffer) => Receive(buffer, MSG_PEEK, out _);

    public override int TrySend(ReadOnlySpan<byte> bytes, out SocketError error)
    {
        int sent = Send(bytes, out int errno);
        if (sent >= 0)
        {
            error = SocketError.Success;
            return sent;
        }

        if (errno == EBADF) throw Disposed();
        error = ToSocketError(errno);
        return 0;
    }

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes)
    {
        int sent = Send(bytes.Span, out int errno);
        if (sent >= 0) return new ValueTask<int>(sent);
        return errno == EAGAIN ? SendWhenWritableAsync(bytes) : ValueTask.FromException<int>(Failure(errno));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> SendWhenWritableAsync(ReadOnlyMemory<byte> bytes)
    {
        while (true)
        {
            await WaitWritableAsync().ConfigureAwait(false);
            int sent = Send(bytes.Span, out int errno);
            if (sent >= 0) return sent;
            if (errno != EAGAIN) throw Failure(errno);
        }
    }

    public override void ShutdownSend()
    {
        if (!TryEnter()) throw Disposed();
        try
        {
            if (shutdown(_fd, SHUT_WR) != 0) throw LinuxNative.Exception(Errno);
        }
        finally
        {
            Exit();
        }
    }

    public override unsafe IPEndPoint? RemoteEndPoint
    {
        get
        {
            byte* address = stackalloc byte[128];   // sizeof(struct sockaddr_storage)
            int length = 128;
            if (!TryEnter()) return null;
            try
            {
                if (getpeername(_fd, address, &length) != 0) return null;
            }
            finally
            {
                Exit();
            }

            // struct sockaddr_in / sockaddr_in6: family (host order), port (network order), then the address.
            int family = *(ushort*)address;
            int port = BinaryPrimitives.ReverseEndianness(*(ushort*)(address + 2));
            if (family == AF_INET) return new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(address + 4, 4)), port);
            if (family == AF_INET6) return new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(address + 8, 16), *(uint*)(address + 24)), port);
            return null;
        }
    }

    /// <summary>Marks the socket closed, fails parked waits, and closes the fd once no system call uses it.</summary>
    public override void Dispose()
    {
        int before = Interlocked.Or(ref _users, ClosedBit);
        if ((before & ClosedBit) != 0) return;
        Cancel(ref _readState, ref _readWaiter);
        Cancel(ref _writeState, ref _writeWaiter);
        if (before == 0) CloseDescriptor();
    }

    private unsafe int Receive(Span<byte> buffer, int flags, out int errno)
    {
        if (!TryEnter())
        {
            errno = EBADF;
            return -1;
        }

        try
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint received = recv(_fd, p, (nuint)buffer.Length, flags | MSG_DONTWAIT);
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
        finally
        {
            Exit();
        }
    }

    private unsafe int Send(ReadOnlySpan<byte> bytes, out int errno)
    {
        if (!TryEnter())
        {
            errno = EBADF;
            return -1;
        }

        try
        {
            fixed (byte* p = bytes)
            {
                while (true)
                {
                    nint sent = send(_fd, p, (nuint)bytes.Length, MSG_DONTWAIT | MSG_NOSIGNAL);
                    if (sent >= 0)
                    {
                        errno = 0;
                        return (int)sent;
                    }

                    errno = Errno;
                    if (errno != EINTR) return -1;
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>A <see cref="SendBatch"/> holds the descriptor open (one use) until its submission completed.</summary>
    internal bool TryEnterForBatch(out int fd)
    {
        fd = _fd;
        return TryEnter();
    }

    internal void ExitFromBatch() => Exit();

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
        if (Interlocked.Exchange(ref _fdClosed, 1) != 0) return;
        // Out of epoll and the fd table first: once close() returns, the number may belong to the next accept.
        EpollEngine.Shared.Unregister(this);
        FixedSockets.Remove(_fd);   // a ring's file table holds a reference: without this, close() would not close
        close(_fd);
    }

    private Exception Failure(int errno) => errno == EBADF ? Disposed() : LinuxNative.Exception(errno);

    private static ObjectDisposedException Disposed() => new(nameof(EpollConnectionSocket));

    /// <summary>Epoll thread: readiness arrived for one direction (<paramref name="final"/>: for good).</summary>
    private void Signal(ref int state, ref Waiter? waiter, bool final)
    {
        while (true)
        {
            int current = Volatile.Read(ref state);
            switch ((Readiness)current)
            {
                case Readiness.Final or Readiness.Disposed:
                    return;
                case Readiness.Ready when !final:
                    return;
                case Readiness.Waiting:
                    if (Interlocked.CompareExchange(ref state, (int)(final ? Readiness.Final : Readiness.Idle), current) != current) continue;
                    waiter!.Core.SetResult(0);   // made before the park's CAS published Waiting
                    return;
                case Readiness.Armed:
                    if (Interlocked.CompareExchange(ref state, (int)(final ? Readiness.Final : Readiness.Idle), current) != current) continue;
                    // The socket is its own work item: waking an idle connection allocates nothing.
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                    return;
                default:
                    if (Interlocked.CompareExchange(ref state, (int)(final ? Readiness.Final : Readiness.Ready), current) == current) return;
                    continue;
            }
        }
    }

    /// <summary>Returns Ready (consumed the flag: try the operation now), Waiting (parked: await the waiter) or Disposed.</summary>
    private static Readiness Park(ref int state, ref Waiter? waiter)
    {
        while (true)
        {
            int current = Volatile.Read(ref state);
            switch ((Readiness)current)
            {
                case Readiness.Ready:
                    if (Interlocked.CompareExchange(ref state, (int)Readiness.Idle, current) == current) return Readiness.Ready;
                    break;
                case Readiness.Final:
                    return Readiness.Ready;
                case Readiness.Disposed:
                    return Readiness.Disposed;
                case Readiness.Waiting or Readiness.Armed:
                    throw new InvalidOperationException("A second wait in the same direction (one receive and one send at a time).");
                default:
                    waiter ??= new Waiter();   // the one waiter of this direction: only its own waits touch it
                    waiter.Core.Reset();       // the previous wait's result was consumed (GetResult) before this wait began
                    if (Interlocked.CompareExchange(ref state, (int)Readiness.Waiting, current) == current) return Readiness.Waiting;
                    break;
            }
        }
    }

    private void Cancel(ref int state, ref Waiter? waiter)
    {
        int before = Interlocked.Exchange(ref state, (int)Readiness.Disposed);
        if (before == (int)Readiness.Waiting) waiter!.Core.SetException(Disposed());
        else if (before == (int)Readiness.Armed) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);   // its receive throws
    }

    /// <summary>
    /// One direction's awaiter for the task-based waits (the handshake's and the linger's reads, a send into a full
    /// socket buffer): 56 bytes, made only when such a wait parks, so that an open, idle connection (which waits with
    /// <see cref="WaitReadable"/>) holds neither (issue 5: two inline awaiter cores were 80 of the socket's 128 bytes).
    /// </summary>
    private sealed class Waiter : IValueTaskSource<int>, IValueTaskSource
    {
        public ManualResetValueTaskSourceCore<int> Core = new()
        {
            // Completions come from the epoll thread: the connection's code must run on the thread pool, never there.
            RunContinuationsAsynchronously = true,
        };

        public short Version => Core.Version;

        int IValueTaskSource<int>.GetResult(short token) => Core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => Core.GetStatus(token);

        void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            Core.OnCompleted(continuation, state, token, flags);

        void IValueTaskSource.GetResult(short token) => Core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => Core.GetStatus(token);

        void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            Core.OnCompleted(continuation, state, token, flags);
    }
}
