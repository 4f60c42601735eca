using System.Net.Sockets;
using WsChat.Net.Buffers;

namespace WsChat.Net.Transport.Epoll;

/// <summary>
/// Collects the inline sends of one fan-out on a thread that owns a <see cref="SendRing"/> (a chat shard's loop)
/// and hands them to the kernel with one io_uring_enter when the fan-out ends, instead of one send() each.
/// </summary>
/// <remarks>
/// <para>Use: the owning thread calls <see cref="Attach()"/> once (and disposes the result when it ends); around each
/// fan-out it opens a <see cref="Scope"/> with <see cref="Open"/>. While a scope is open,
/// <see cref="WebSocketConnection"/>'s inline send of a frame to an idle epoll connection (nothing queued, no sender
/// running: it holds the sender role) is added here instead of sent; at the end of the scope (or every
/// <see cref="SendRing.Entries"/> sends, or when the frame changes) the batch is submitted and each connection
/// finishes its inline send with the result, exactly as after its own send(): done, or the rest asynchronously
/// (partial send, EAGAIN), or a failed connection. So order, the byte bound and close-frame-last are unchanged.</para>
/// <para>Nothing is allocated per send: the arrays are the thread's, the frame's bytes are pinned by a fixed
/// statement for the one system call. One frame per submission (the fan-out's), pinned once.</para>
/// <para>Where io_uring cannot be used (setup refused: old kernel, kernel.io_uring_disabled, seccomp), the first
/// add finds no ring and every send stays on send(), as before.</para>
/// </remarks>
internal sealed unsafe class SendBatch : IDisposable
{
    [ThreadStatic]
    private static SendBatch? t_current;

    private readonly WebSocketConnection?[] _connections = new WebSocketConnection?[SendRing.Entries];
    private readonly EpollConnectionSocket?[] _sockets = new EpollConnectionSocket?[SendRing.Entries];
    private readonly int[] _fds = new int[SendRing.Entries];
    private readonly int[] _results = new int[SendRing.Entries];
    private readonly Thread _owner;
    private SendRing? _ring;
    private bool _noRing;            // setup failed on this thread: do not retry per fan-out
    private SharedFrame? _frame;     // the frame every collected send carries
    private int _count;
    private int _depth;              // open scopes (nested fan-outs share the outer one's submission)
    private bool _flushing;

    private readonly uint _ringEntries;

    private SendBatch(uint ringEntries)
    {
        _owner = Thread.CurrentThread;
        _ringEntries = ringEntries;
    }

    /// <summary>True once this thread has a ring (after its first batched send).</summary>
    internal bool HasRing => _ring is not null;

    /// <summary>Submissions made on this thread's rings so far (for tests).</summary>
    internal long Submissions { get; private set; }

    /// <summary>Sends that went through a ring on this thread so far (for tests).</summary>
    internal long BatchedSends { get; private set; }

    /// <summary>The calling thread's batch, or null when it has none.</summary>
    internal static SendBatch? Current => t_current;

    /// <summary>Lets the calling thread batch its fan-outs; dispose on the same thread when it stops (closes the ring).</summary>
    /// <returns>Null off the epoll engine's platforms or when the thread has a batch already.</returns>
    public static SendBatch? Attach() => Attach(SendRing.Entries);

    /// <summary><see cref="Attach()"/> with the ring size to ask for: tests pass one the kernel refuses (0) to take
    /// the path of a machine without io_uring.</summary>
    internal static SendBatch? Attach(uint ringEntries)
    {
        if (!EpollEngine.IsSupported || t_current is not null) return null;
        return t_current = new SendBatch(ringEntries);
    }

    /// <summary>Opens a fan-out on the calling thread: sends made until the scope is disposed go out together. A
    /// no-op on a thread without <see cref="Attach()"/>.</summary>
    public static Scope Open()
    {
        SendBatch? batch = t_current;
        if (batch is null) return default;
        batch._depth++;
        return new Scope(batch);
    }

    /// <summary>
    /// Takes the inline send of <paramref name="frame"/> (the connection's reference to it) to
    /// <paramref name="connection"/>, which holds the sender role, when the calling thread has an open fan-out and the
    /// socket is a fixed file; false: send it now as usual.
    /// </summary>
    internal static bool TryAdd(WebSocketConnection connection, ConnectionSocket socket, SharedFrame frame)
    {
        SendBatch? batch = t_current;
        if (batch is null || batch._depth == 0 || batch._flushing || socket is not EpollConnectionSocket epoll) return false;
        return batch.Add(connection, epoll, frame);
    }

    private bool Add(WebSocketConnection connection, EpollConnectionSocket socket, SharedFrame frame)
    {
        if (_ring is null && !TryCreateRing(connection)) return false;
        if (_count > 0 && !ReferenceEquals(_frame, frame)) Flush();   // one pinned frame per submission
        if (!socket.TryEnterForBatch(out int fd)) return false;            // disposed: the usual path reports it
        if (!FixedSockets.Contains(fd))
        {
            socket.ExitFromBatch();
            return false;
        }

        _frame = frame;
        _connections[_count] = connection;
        _sockets[_count] = socket;
        _fds[_count] = fd;
        if (++_count == SendRing.Entries) Flush();
        return true;
    }

    private bool TryCreateRing(WebSocketConnection connection)
    {
        if (_noRing) return false;
        _ring = FixedSockets.CreateRing(out int errno, _ringEntries);
        if (_ring is not null) return true;
        _noRing = true;
        Log.IoUringUnavailable(connection.Server.Logger, errno);
        return false;
    }

    /// <summary>Submits what was collected and completes each connection's inline send with its result.</summary>
    internal void Flush()
    {
        int count = _count;
        if (count == 0 || _flushing) return;
        _flushing = true;
        SharedFrame frame = _frame!;
        int submitted;
        try
        {
            fixed (byte* bytes = frame.Bytes.Span)
            {
                submitted = _ring!.SendAll(_fds.AsSpan(0, count), bytes, frame.Bytes.Length, _results);
            }

            Submissions++;
            BatchedSends += submitted;
            // Every descriptor's use ends before any connection runs its completion (which may abort and close).
            for (int i = 0; i < count; i++)
            {
                _sockets[i]!.ExitFromBatch();
                _sockets[i] = null;
            }

            for (int i = 0; i < count; i++)
            {
                WebSocketConnection connection = _connections[i]!;
                _connections[i] = null;
                if (i >= submitted)
                {
                    connection.SendInlineNow(frame);   // the ring refused it: send() as before
                    continue;
                }

                int result = _results[i];
                if (result >= 0) connection.CompleteInlineSend(frame, result, SocketError.Success);
                else if (result is -LinuxNative.EAGAIN or -LinuxNative.EINTR) connection.CompleteInlineSend(frame, 0, SocketError.WouldBlock);
                else if (result is -LinuxNative.EBADF or -IoUringNative.ENXIO) connection.SendInlineNow(frame);   // slot not in this ring: cannot happen; send() knows
                else connection.CompleteInlineSend(frame, 0, LinuxNative.ToSocketError(-result));
            }
        }
        finally
        {
            _count = 0;
            _frame = null;
            _flushing = false;
        }
    }

    /// <summary>Flushes what is left and closes the thread's ring. Call on the owning thread.</summary>
    public void Dispose()
    {
        if (Thread.CurrentThread != _owner) throw new InvalidOperationException("A send batch is disposed by the thread that attached it.");
        Flush();
        if (_ring is not null) FixedSockets.CloseRing(_ring);
        _ring = null;
        if (t_current == this) t_current = null;
    }

    /// <summary>One fan-out: disposing the outermost scope submits its sends.</summary>
    public readonly ref struct Scope
    {
        private readonly SendBatch? _batch;

        internal Scope(SendBatch batch) => _batch = batch;

        public void Dispose()
        {
            if (_batch is null) return;
            if (--_batch._depth == 0) _batch.Flush();
        }
    }
}
