using System.Net.Sockets;
using static WsChat.Net.Transport.Epoll.LinuxNative;

namespace WsChat.Net.Transport.Epoll;

/// <summary>
/// Accepts a server's connections on the epoll thread: the bound, listening <see cref="Socket"/> (kept for bind,
/// listen and its local end point) is made non-blocking and registered edge-triggered; each EPOLLIN drains the
/// backlog with accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) until EAGAIN and hands every descriptor to the server.
/// </summary>
internal sealed unsafe class EpollListener : IEpollRegistration
{
    // Out of descriptors or memory: the clients wait in the backlog; try again after this pause instead of spinning
    // (the same back-off as the managed accept loop).
    private const int RetryDelayMs = 50;

    private readonly EpollEngine _engine;
    private readonly Action<int> _accepted;
    private readonly Action<int> _failed;
    private readonly int _fd;
    private readonly uint _token;
    private readonly Lock _lock = new();   // accept batches vs Close: no accept4 on a closed (reused) fd
    private bool _closed;
    private int _retryScheduled;

    private EpollListener(EpollEngine engine, Socket socket, Action<int> accepted, Action<int> failed)
    {
        _engine = engine;
        _accepted = accepted;
        _failed = failed;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _token = EpollEngine.NextToken();
    }

    public int Fd => _fd;

    public uint Token => _token;

    /// <summary>Starts accepting on <paramref name="socket"/>: <paramref name="accepted"/> gets each new descriptor
    /// (non-blocking, close-on-exec; it owns it), <paramref name="failed"/> the errno of a failed accept4 that
    /// stops the batch (EMFILE, ENFILE, ENOBUFS, ENOMEM). Both run on the epoll thread (or a retry's pool thread),
    /// one at a time.</summary>
    /// <exception cref="SocketException">fcntl or epoll_ctl failed.</exception>
    public static EpollListener Start(EpollEngine engine, Socket socket, Action<int> accepted, Action<int> failed)
    {
        var listener = new EpollListener(engine, socket, accepted, failed);
        int flags = fcntl(listener._fd, F_GETFL, 0);
        if (flags < 0 || fcntl(listener._fd, F_SETFL, flags | O_NONBLOCK) < 0) throw LinuxNative.Exception(Errno);
        int errno = engine.Register(listener, EPOLLIN);
        if (errno != 0) throw LinuxNative.Exception(errno);
        return listener;
    }

    void IEpollRegistration.OnEvents(uint events) => AcceptPending();

    /// <summary>Stops accepting: no accept4 runs after this returns; the caller then disposes the socket.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            _engine.Unregister(this);
        }
    }

    private void AcceptPending()
    {
        lock (_lock)
        {
            while (!_closed)
            {
                int fd = accept4(_fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd >= 0)
                {
                    _accepted(fd);
                    continue;
                }

                int errno = Errno;
                switch (errno)
                {
                    case EAGAIN:
                        return;   // the backlog is empty; the next connection brings the next edge
                    case EMFILE or ENFILE or ENOBUFS or ENOMEM:
                        _failed(errno);
                        ScheduleRetry();
                        return;
                    case EBADF or EINVAL:
                        return;   // closed under us (cannot happen while _closed is false; never loop on it)
                    default:
                        // accept(2): errors of the pending connection (ECONNABORTED, EPROTO, ENETDOWN, …) are reported
                        // here; that connection is gone, the next one may be fine.
                        continue;
                }
            }
        }
    }

    private void ScheduleRetry()
    {
        if (Interlocked.Exchange(ref _retryScheduled, 1) != 0) return;
        _ = Task.Delay(RetryDelayMs).ContinueWith(
            static (_, state) =>
            {
                var listener = (EpollListener)state!;
                Volatile.Write(ref listener._retryScheduled, 0);
                listener.AcceptPending();
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }
}
