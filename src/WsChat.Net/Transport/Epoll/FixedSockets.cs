using System.Diagnostics;
using System.Runtime.InteropServices;
using static WsChat.Net.Transport.Epoll.IoUringNative;

namespace WsChat.Net.Transport.Epoll;

/// <summary>
/// The accepted sockets of the epoll engine as io_uring fixed files, mirrored into every live <see cref="SendRing"/>:
/// slot number = descriptor number, so a request names a socket by its fd with IOSQE_FIXED_FILE and the kernel
/// skips the per-request file lookup and reference count (the gain measured in docs/benchmarks.md).
/// </summary>
/// <remarks>
/// <para>A socket enters when accepted (<see cref="Add"/>) and leaves before its descriptor is closed
/// (<see cref="Remove"/>): a ring's file table holds a reference to the socket, which would otherwise keep it open
/// (no FIN) after close(). The epoll socket's use count guarantees no batch holds the socket at that point.</para>
/// <para>Descriptors at or past <see cref="Capacity"/> (65,536, or RLIMIT_NOFILE when lower: the kernel's limit for a
/// file table) are not tracked: their sends stay on send(). The table costs the kernel 8 bytes per slot per ring
/// (512 KiB per ring at 65,536) and us one bit per slot.</para>
/// <para>Thread-safety: one lock orders adds, removes and ring creation, so each ring's table always matches the
/// set; <see cref="Contains"/> is read without it for a socket the caller keeps open.</para>
/// </remarks>
internal static unsafe class FixedSockets
{
    private const int MaxCapacity = 65_536;

    private static readonly Lock s_lock = new();
    private static readonly List<SendRing> s_rings = [];
    private static readonly int s_capacity = ComputeCapacity();
    private static ulong[]? s_registered = new ulong[(s_capacity + 63) / 64];   // null once io_uring proved unusable

    /// <summary>Descriptors below this can be fixed files.</summary>
    public static int Capacity => s_capacity;

    /// <summary>Rings alive now (for tests).</summary>
    internal static int RingCount
    {
        get
        {
            lock (s_lock) return s_rings.Count;
        }
    }

    /// <summary>An accepted socket: registered in every ring (and in rings created later).</summary>
    public static void Add(int fd)
    {
        if ((uint)fd >= (uint)s_capacity || Volatile.Read(ref s_registered) is null) return;
        lock (s_lock)
        {
            ulong[]? bits = s_registered;
            if (bits is null) return;
            foreach (SendRing ring in s_rings)
            {
                if (!Update(ring, fd, fd))
                {
                    // This ring could not take it (out of kernel memory): leave the socket on send() everywhere.
                    for (int i = 0; i < s_rings.Count && s_rings[i] != ring; i++) Update(s_rings[i], fd, -1);
                    return;
                }
            }

            bits[fd >> 6] |= 1UL << (fd & 63);
        }
    }

    /// <summary>The socket is about to be closed: out of every ring's table, so close() really closes it.</summary>
    public static void Remove(int fd)
    {
        if ((uint)fd >= (uint)s_capacity || Volatile.Read(ref s_registered) is null) return;
        lock (s_lock)
        {
            ulong[]? bits = s_registered;
            if (bits is null || (bits[fd >> 6] & (1UL << (fd & 63))) == 0) return;
            bits[fd >> 6] &= ~(1UL << (fd & 63));
            foreach (SendRing ring in s_rings)
            {
                bool removed = Update(ring, fd, -1);
                Debug.Assert(removed, "IORING_REGISTER_FILES_UPDATE to -1 cannot fail on a valid ring and slot");
            }
        }
    }

    /// <summary>True when <paramref name="fd"/> (a socket the caller keeps open) is a fixed file in every ring.</summary>
    public static bool Contains(int fd)
    {
        ulong[]? bits = Volatile.Read(ref s_registered);
        return bits is not null && (uint)fd < (uint)s_capacity && (Volatile.Read(ref bits[fd >> 6]) & (1UL << (fd & 63))) != 0;
    }

    /// <summary>A ring for the calling thread with every tracked socket registered, or null when io_uring cannot
    /// be used here (when the kernel forbids it, tracking stops for good and every send stays on send()).</summary>
    public static SendRing? CreateRing(out int errno, uint entries = SendRing.Entries)
    {
        errno = 0;
        if (Volatile.Read(ref s_registered) is null) return null;
        SendRing? ring = SendRing.TryCreate(out errno, entries);
        if (ring is null)
        {
            // Not built in, or forbidden (kernel.io_uring_disabled, seccomp): no thread will get a ring.
            if (errno is ENOSYS or EPERM or EACCES) Disable();
            return null;
        }

        int* table = (int*)NativeMemory.Alloc((nuint)s_capacity, sizeof(int));
        try
        {
            lock (s_lock)
            {
                ulong[]? bits = s_registered;
                if (bits is null)
                {
                    ring.Dispose();
                    return null;
                }

                for (int fd = 0; fd < s_capacity; fd++) table[fd] = (bits[fd >> 6] & (1UL << (fd & 63))) != 0 ? fd : -1;
                if (Register(ring.Fd, IORING_REGISTER_FILES, table, (uint)s_capacity) < 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                    ring.Dispose();
                    return null;
                }

                s_rings.Add(ring);
                return ring;
            }
        }
        finally
        {
            NativeMemory.Free(table);
        }
    }

    /// <summary>Forgets <paramref name="ring"/> and closes it (its owning thread is done with it).</summary>
    public static void CloseRing(SendRing ring)
    {
        lock (s_lock) s_rings.Remove(ring);
        ring.Dispose();
    }

    private static void Disable()
    {
        lock (s_lock)
        {
            if (s_rings.Count == 0) Volatile.Write(ref s_registered, null);
        }
    }

    private static bool Update(SendRing ring, int slot, int fd)
    {
        FilesUpdate update = new() { Offset = (uint)slot, Fds = (ulong)&fd };
        return Register(ring.Fd, IORING_REGISTER_FILES_UPDATE, &update, 1) >= 0;
    }

    private static int ComputeCapacity()
    {
        ulong* limit = stackalloc ulong[2];   // struct rlimit: cur, max
        if (getrlimit(RLIMIT_NOFILE, limit) != 0) return 1024;
        return (int)Math.Min(limit[0], MaxCapacity);
    }
}
