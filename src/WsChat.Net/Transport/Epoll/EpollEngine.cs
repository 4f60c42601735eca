using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static WsChat.Net.Transport.Epoll.LinuxNative;

namespace WsChat.Net.Transport.Epoll;

/// <summary>
/// The process's one epoll instance and the thread that waits on it. Sockets are registered edge-triggered
/// (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) once, when accepted, and stay registered until closed: the loop only
/// turns readiness into flags and wakes a parked awaiter, which runs on the thread pool. Started on first use and
/// never stopped (like System.Net.Sockets' own engine), so a registration can never outlive its epoll instance.
/// </summary>
/// <remarks>
/// Descriptors map to registrations through a table indexed by fd (8 bytes per descriptor slot, in chunks that
/// never move): no GCHandle per connection. A slot is set before epoll_ctl(ADD) and cleared before close(), and
/// every event carries the registration's token, so a stale event (closed fd, reused number) is dropped.
/// </remarks>
internal sealed unsafe class EpollEngine
{
    // 256 events × 16 bytes per epoll_wait: one wait drains a burst of thousands of wake-ups in a few calls.
    private const int MaxEvents = 256;
    // 1024 descriptors × 8 bytes = 8 KiB per chunk; 4096 chunks reach fd 4M, past any RLIMIT_NOFILE we raise to.
    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;
    private const int MaxChunks = 4096;

    private static readonly Lock s_createLock = new();
    private static EpollEngine? s_shared;
    private static int s_nextToken;

    private readonly int _epfd;
    private readonly IEpollRegistration?[]?[] _chunks = new IEpollRegistration?[MaxChunks][];
    private readonly Lock _growLock = new();
    private readonly Thread _thread;

    // x64 packs struct epoll_event (12 bytes: events at 0, data at 4); arm64 aligns it (16 bytes, data at 8).
    private static readonly int s_eventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int s_dataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private EpollEngine(int epfd)
    {
        _epfd = epfd;
        _thread = new Thread(Loop) { IsBackground = true, Name = "wschat epoll" };
        _thread.UnsafeStart();
    }

    /// <summary>True on Linux x64 and arm64 (the layouts this engine knows).</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>The process's engine, created (epoll_create1 and its thread) on first use.</summary>
    /// <exception cref="PlatformNotSupportedException">Not Linux x64/arm64.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">epoll_create1 failed (out of descriptors).</exception>
    public static EpollEngine Shared
    {
        get
        {
            EpollEngine? engine = Volatile.Read(ref s_shared);
            if (engine is not null) return engine;
            if (!IsSupported) throw new PlatformNotSupportedException("The epoll socket engine needs Linux on x64 or arm64.");
            lock (s_createLock)
            {
                if (s_shared is not null) return s_shared;
                int epfd = epoll_create1(EPOLL_CLOEXEC);
                if (epfd < 0) throw LinuxNative.Exception(Errno);
                Volatile.Write(ref s_shared, new EpollEngine(epfd));
                return s_shared!;
            }
        }
    }

    internal static uint NextToken()
    {
        uint token;
        do token = (uint)Interlocked.Increment(ref s_nextToken);
        while (token == 0);   // after 2^32 registrations: skip the value no registration may have
        return token;
    }

    /// <summary>Enters <paramref name="registration"/> in the table and adds its fd to epoll (edge-triggered, with
    /// <paramref name="events"/>). Readiness that exists already is reported at once by the kernel.</summary>
    /// <returns>0, or the errno of epoll_ctl (the table entry is then removed again).</returns>
    public int Register(IEpollRegistration registration, uint events)
    {
        int fd = registration.Fd;
        if ((uint)fd >= (uint)(MaxChunks * ChunkSize)) return EMFILE;
        ref IEpollRegistration? slot = ref Slot(fd);
        Volatile.Write(ref slot, registration);
        ulong* ev = stackalloc ulong[2];   // 16 bytes: room for either layout
        WriteEvent(ev, events | EPOLLET, ((ulong)registration.Token << 32) | (uint)fd);
        if (epoll_ctl(_epfd, EPOLL_CTL_ADD, fd, ev) == 0) return 0;
        int errno = Errno;
        Interlocked.CompareExchange(ref slot, null, registration);
        return errno;
    }

    /// <summary>Removes <paramref name="registration"/>: from epoll (so no new event names its fd), then from the
    /// table. The caller closes the fd afterwards; events already fetched by the loop are dropped by the token check
    /// or land on the (closed) registration, which ignores them.</summary>
    public void Unregister(IEpollRegistration registration)
    {
        int fd = registration.Fd;
        ulong* ev = stackalloc ulong[2];   // kernels before 2.6.9 wanted a non-null event for DEL
        WriteEvent(ev, 0, 0);
        epoll_ctl(_epfd, EPOLL_CTL_DEL, fd, ev);   // ENOENT/EBADF: not registered; nothing to undo
        if ((uint)fd < (uint)(MaxChunks * ChunkSize)) Interlocked.CompareExchange(ref Slot(fd), null, registration);
    }

    private static void WriteEvent(ulong* ev, uint events, ulong data)
    {
        byte* p = (byte*)ev;
        Unsafe.WriteUnaligned(p, events);
        Unsafe.WriteUnaligned(p + s_dataOffset, data);
    }

    private ref IEpollRegistration? Slot(int fd)
    {
        int chunk = fd >> ChunkShift;
        IEpollRegistration?[]? slots = Volatile.Read(ref _chunks[chunk]);
        if (slots is null)
        {
            lock (_growLock)
            {
                slots = _chunks[chunk] ??= new IEpollRegistration?[ChunkSize];
            }
        }

        return ref slots[fd & (ChunkSize - 1)];
    }

    private IEpollRegistration? Find(ulong data)
    {
        int fd = (int)(uint)data;
        if ((uint)fd >= (uint)(MaxChunks * ChunkSize)) return null;
        IEpollRegistration?[]? slots = Volatile.Read(ref _chunks[fd >> ChunkShift]);
        IEpollRegistration? registration = slots is null ? null : Volatile.Read(ref slots[fd & (ChunkSize - 1)]);
        return registration is not null && registration.Token == (uint)(data >> 32) ? registration : null;
    }

    private void Loop()
    {
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * s_eventSize));
        while (true)
        {
            int count = epoll_wait(_epfd, events, MaxEvents, -1);
            if (count < 0)
            {
                int errno = Errno;
                if (errno == EINTR) continue;   // a signal (the debugger, SIGCHLD): just wait again
                Debug.Fail($"epoll_wait failed: errno {errno}");
                Thread.Sleep(10);               // cannot happen with a valid epfd; never spin
                continue;
            }

            for (int i = 0; i < count; i++)
            {
                byte* ev = events + (i * s_eventSize);
                uint flags = Unsafe.ReadUnaligned<uint>(ev);
                ulong data = Unsafe.ReadUnaligned<ulong>(ev + s_dataOffset);
                Find(data)?.OnEvents(flags);
            }
        }
    }
}
