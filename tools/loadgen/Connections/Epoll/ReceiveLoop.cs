using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static WsChat.LoadGen.Connections.Epoll.LoadNative;

namespace WsChat.LoadGen.Connections.Epoll;

/// <summary>
/// One thread and its epoll instance driving many <see cref="EpollLoadSocket"/>s: connect, handshake and every
/// received frame run on this thread, parsed from one shared buffer and handed to the session in place (issue 5,
/// docs/benchmarks.md "(loadgen, issue 5)"). What it replaces per delivery: a thread-pool work item, a zero-byte
/// receive and an async state machine step of System.Net.Sockets.
/// </summary>
/// <remarks>
/// <para>Level-triggered: one recv per readable socket per wake-up; what a recv leaves in the kernel is reported again
/// by the next epoll_wait, so there is no read-until-EAGAIN (a second recv per wake) as edge-triggered would need.</para>
/// <para>Sockets map to slots of a table; the epoll data is <c>(token &lt;&lt; 32) | slot</c> and an event whose token
/// does not match the slot's socket (a socket closed earlier in the same batch, its slot reused) is dropped.</para>
/// <para>Other threads reach the loop through <see cref="Kick"/>: a queue and an eventfd (a session attached, a
/// dispose). Only this thread receives, parses and closes descriptors.</para>
/// </remarks>
internal sealed unsafe class ReceiveLoop
{
    // 256 events per epoll_wait: at 25,000 deliveries/s a wake-up finds a few dozen readable sockets.
    private const int MaxEvents = 256;
    // One recv per socket into this buffer: a burst of chat frames (~200 bytes each) fits many times over.
    private const int BufferSize = 64 * 1024;
    private const ulong KickData = ulong.MaxValue;

    private static int s_nextToken;

    private readonly int _epfd;
    private readonly int _eventFd;
    private readonly Lock _slotsLock = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly ConcurrentQueue<EpollLoadSocket> _kicks = new();
    private readonly byte[] _buffer = GC.AllocateArray<byte>(BufferSize, pinned: true);
    private EpollLoadSocket?[] _slots = new EpollLoadSocket?[1024];
    private int _usedSlots;
    private int _kickPending;

    public ReceiveLoop(string name)
    {
        _epfd = epoll_create1(EPOLL_CLOEXEC);
        if (_epfd < 0) throw LoadNative.Exception(Errno);
        _eventFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (_eventFd < 0) throw LoadNative.Exception(Errno);
        if (Control(EPOLL_CTL_ADD, _eventFd, EPOLLIN, KickData) != 0) throw LoadNative.Exception(Errno);
        new Thread(Run) { IsBackground = true, Name = name }.UnsafeStart();
    }

    /// <summary>True where this loop runs: Linux on x64 or arm64 (struct epoll_event's two layouts).</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    // x64 packs struct epoll_event (12 bytes: events at 0, data at 4); arm64 aligns it (16 bytes, data at 8).
    private static readonly int s_eventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int s_dataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>The shared receive buffer (loop thread only).</summary>
    internal byte[] BufferArray => _buffer;

    /// <summary>Gives <paramref name="socket"/> a slot and adds its fd (level-triggered, <paramref name="events"/>).</summary>
    /// <returns>0 or the errno of epoll_ctl.</returns>
    public int Add(EpollLoadSocket socket, uint events)
    {
        lock (_slotsLock)
        {
            int slot;
            if (_freeSlots.Count > 0)
            {
                slot = _freeSlots.Pop();
            }
            else
            {
                if (_usedSlots == _slots.Length)
                {
                    var bigger = new EpollLoadSocket?[_slots.Length * 2];
                    _slots.CopyTo(bigger, 0);
                    Volatile.Write(ref _slots, bigger);
                }

                slot = _usedSlots++;
            }

            uint token;
            do token = (uint)Interlocked.Increment(ref s_nextToken);
            while (token == 0);
            socket.Slot = slot;
            socket.Token = token;
            Volatile.Write(ref _slots[slot], socket);
        }

        if (Control(EPOLL_CTL_ADD, socket.Fd, events, Data(socket)) == 0) return 0;
        int errno = Errno;
        FreeSlot(socket);
        return errno;
    }

    /// <summary>Changes the events of a registered socket (loop thread).</summary>
    public void Modify(EpollLoadSocket socket, uint events) => Control(EPOLL_CTL_MOD, socket.Fd, events, Data(socket));

    /// <summary>Removes <paramref name="socket"/> from epoll and its slot (loop thread, before its fd is closed).</summary>
    public void Remove(EpollLoadSocket socket)
    {
        Control(EPOLL_CTL_DEL, socket.Fd, 0, 0);
        FreeSlot(socket);
    }

    /// <summary>Any thread: have the loop call <see cref="EpollLoadSocket.OnKick"/> soon.</summary>
    public void Kick(EpollLoadSocket socket)
    {
        _kicks.Enqueue(socket);
        if (Interlocked.Exchange(ref _kickPending, 1) != 0) return;
        ulong one = 1;
        write(_eventFd, &one, sizeof(ulong));
    }

    private static ulong Data(EpollLoadSocket socket) => ((ulong)socket.Token << 32) | (uint)socket.Slot;

    private void FreeSlot(EpollLoadSocket socket)
    {
        lock (_slotsLock)
        {
            if (socket.Slot < 0 || !ReferenceEquals(_slots[socket.Slot], socket)) return;
            _slots[socket.Slot] = null;
            _freeSlots.Push(socket.Slot);
            socket.Slot = -1;
        }
    }

    private int Control(int op, int fd, uint events, ulong data)
    {
        ulong* ev = stackalloc ulong[2];   // 16 bytes: room for either layout
        byte* p = (byte*)ev;
        Unsafe.WriteUnaligned(p, events);
        Unsafe.WriteUnaligned(p + s_dataOffset, data);
        return epoll_ctl(_epfd, op, fd, ev);
    }

    private void Run()
    {
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * s_eventSize));
        while (true)
        {
            int count = epoll_wait(_epfd, events, MaxEvents, -1);
            if (count < 0)
            {
                if (Errno != EINTR) Thread.Sleep(10);   // cannot happen with a valid epfd; never spin
                continue;
            }

            for (int i = 0; i < count; i++)
            {
                byte* ev = events + (i * s_eventSize);
                uint flags = Unsafe.ReadUnaligned<uint>(ev);
                ulong data = Unsafe.ReadUnaligned<ulong>(ev + s_dataOffset);
                if (data == KickData)
                {
                    DrainKicks();
                    continue;
                }

                EpollLoadSocket?[] slots = Volatile.Read(ref _slots);
                int slot = (int)(uint)data;
                EpollLoadSocket? socket = (uint)slot < (uint)slots.Length ? Volatile.Read(ref slots[slot]) : null;
                if (socket is null || socket.Token != (uint)(data >> 32)) continue;
                try
                {
                    socket.OnEvents(flags, this);
                }
                catch (Exception ex)
                {
                    // A bug in a session's handler must not stop every other connection's receives.
                    Debug.Fail(ex.ToString());
                    socket.Finish(this, ex);
                }
            }
        }
    }

    private void DrainKicks()
    {
        ulong value;
        read(_eventFd, &value, sizeof(ulong));
        Volatile.Write(ref _kickPending, 0);   // before draining: a kick enqueued from now on writes the eventfd again
        while (_kicks.TryDequeue(out EpollLoadSocket? socket))
        {
            try
            {
                socket.OnKick(this);
            }
            catch (Exception ex)
            {
                Debug.Fail(ex.ToString());
                socket.Finish(this, ex);
            }
        }
    }
}
