using System.Diagnostics;
using System.Runtime.InteropServices;
using static WsChat.Net.Transport.Epoll.IoUringNative;

namespace WsChat.Net.Transport.Epoll;

/// <summary>
/// One io_uring used by one thread to send one frame to many sockets with a single system call: a fan-out's
/// sends as IORING_OP_SEND requests on registered (fixed) files, submitted and reaped by one io_uring_enter.
/// </summary>
/// <remarks>
/// <para>Why: a room message to 100 members costs 100 send() calls; on loopback most of each is the kernel's TCP
/// path, but the per-call entry and the file lookup (fdget/fput on 10,000 distinct sockets) are what the ring
/// removes. Measured with benchmarks/uring-probe (docs/benchmarks.md "Server CPU per delivery"): io_uring without
/// fixed files cost more than send(); with fixed files it cost less.</para>
/// <para>Requests carry MSG_DONTWAIT: a full socket buffer completes at once with -EAGAIN (no poll is armed, no
/// io-wq worker), so every request completes inside the one io_uring_enter and the caller's buffer is only
/// borrowed for that call. The caller falls back to its asynchronous path for what was not taken.</para>
/// <para>Fixed-file slots are the socket descriptors themselves (<see cref="FixedSockets"/>): slot = fd.</para>
/// <para>Not thread-safe: one owning thread submits; <see cref="FixedSockets"/> updates the file table from other
/// threads through io_uring_register, which the kernel serialises with submission.</para>
/// </remarks>
internal sealed unsafe class SendRing : IDisposable
{
    /// <summary>Requests per submission: a room of up to 256 members in one call; larger fan-outs take several.</summary>
    public const int Entries = 256;

    private const uint MsgFlags = (uint)(LinuxNative.MSG_DONTWAIT | LinuxNative.MSG_NOSIGNAL);

    private readonly int _fd;
    private readonly byte* _sqRing;
    private readonly nuint _sqRingSize;
    private readonly byte* _cqRing;      // == _sqRing with IORING_FEAT_SINGLE_MMAP
    private readonly nuint _cqRingSize;
    private readonly Sqe* _sqes;
    private readonly nuint _sqesSize;
    private readonly uint* _sqHead;
    private readonly uint* _sqTail;
    private readonly uint* _sqArray;
    private readonly uint _sqMask;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly Cqe* _cqes;
    private int _disposed;

    private SendRing(int fd, in Params p, byte* sqRing, nuint sqRingSize, byte* cqRing, nuint cqRingSize, Sqe* sqes, nuint sqesSize)
    {
        _fd = fd;
        _sqRing = sqRing;
        _sqRingSize = sqRingSize;
        _cqRing = cqRing;
        _cqRingSize = cqRingSize;
        _sqes = sqes;
        _sqesSize = sqesSize;
        _sqHead = (uint*)(sqRing + p.SqOff.Head);
        _sqTail = (uint*)(sqRing + p.SqOff.Tail);
        _sqArray = (uint*)(sqRing + p.SqOff.Array);
        _sqMask = *(uint*)(sqRing + p.SqOff.RingMask);
        _cqHead = (uint*)(cqRing + p.CqOff.Head);
        _cqTail = (uint*)(cqRing + p.CqOff.Tail);
        _cqMask = *(uint*)(cqRing + p.CqOff.RingMask);
        _cqes = (Cqe*)(cqRing + p.CqOff.Cqes);
    }

    /// <summary>The ring's descriptor (for io_uring_register).</summary>
    public int Fd => _fd;

    /// <summary>Sets up a ring of <see cref="Entries"/> that can send; null with the errno when this kernel or its
    /// policy does not allow it (ENOSYS before 5.1, EPERM with kernel.io_uring_disabled or a seccomp filter,
    /// EINVAL without IORING_OP_SEND before 5.6).</summary>
    /// <param name="errno">Why not, when null.</param>
    /// <param name="entries">Ring size to ask for: <see cref="Entries"/>; tests pass a size the kernel refuses.</param>
    public static SendRing? TryCreate(out int errno, uint entries = Entries)
    {
        Params p = default;
        p.Flags = IORING_SETUP_SUBMIT_ALL;
        int fd = Setup(entries, &p);
        if (fd < 0 && Marshal.GetLastPInvokeError() == LinuxNative.EINVAL)
        {
            p = default;   // before 5.18: no SUBMIT_ALL; SendAll copes with a submission cut short
            fd = Setup(entries, &p);
        }

        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        nuint sqRingSize = p.SqOff.Array + (p.SqEntries * sizeof(uint));
        nuint cqRingSize = p.CqOff.Cqes + (p.CqEntries * (nuint)sizeof(Cqe));
        bool single = (p.Features & IORING_FEAT_SINGLE_MMAP) != 0;
        if (single) sqRingSize = cqRingSize = Math.Max(sqRingSize, cqRingSize);
        nuint sqesSize = p.SqEntries * (nuint)sizeof(Sqe);
        byte* sqRing = Map(fd, sqRingSize, IORING_OFF_SQ_RING);
        byte* cqRing = single || sqRing is null ? sqRing : Map(fd, cqRingSize, IORING_OFF_CQ_RING);
        Sqe* sqes = cqRing is null ? null : (Sqe*)Map(fd, sqesSize, IORING_OFF_SQES);
        errno = Marshal.GetLastPInvokeError();
        if (sqes is null || p.SqEntries < Entries || !SupportsSend(fd))
        {
            if (sqes is null) errno = errno == 0 ? LinuxNative.ENOMEM : errno;
            else errno = LinuxNative.EINVAL;
            if (sqes is not null) munmap(sqes, sqesSize);
            if (cqRing is not null && !single) munmap(cqRing, cqRingSize);
            if (sqRing is not null) munmap(sqRing, sqRingSize);
            LinuxNative.close(fd);
            return null;
        }

        errno = 0;
        return new SendRing(fd, in p, sqRing, sqRingSize, single ? sqRing : cqRing, single ? 0 : cqRingSize, sqes, sqesSize);
    }

    /// <summary>
    /// Sends <paramref name="length"/> bytes at <paramref name="bytes"/> to each registered descriptor in
    /// <paramref name="fds"/> (non-blocking), writing each request's result (bytes taken, or -errno) to
    /// <paramref name="results"/>. The bytes must stay pinned for the call only: every request has completed when
    /// it returns.
    /// </summary>
    /// <returns>How many requests, from the first, went through the ring and have a result; the caller sends the
    /// rest another way (a submission failed: out of kernel memory, or the ring is gone).</returns>
    public int SendAll(ReadOnlySpan<int> fds, byte* bytes, int length, Span<int> results)
    {
        Debug.Assert(fds.Length <= Entries && results.Length >= fds.Length);
        int count = fds.Length;
        uint start = *_sqTail;   // only this thread moves the tail
        for (int i = 0; i < count; i++)
        {
            uint index = (uint)(start + i) & _sqMask;
            Sqe* sqe = _sqes + index;
            *sqe = default;
            sqe->Opcode = IORING_OP_SEND;
            sqe->Flags = IOSQE_FIXED_FILE;
            sqe->Fd = fds[i];                 // the fixed-file slot, which is the descriptor (FixedSockets)
            sqe->Addr = (ulong)bytes;
            sqe->Len = (uint)length;
            sqe->MsgFlags = MsgFlags;
            sqe->UserData = (ulong)i;
            _sqArray[index] = index;
        }

        Volatile.Write(ref *_sqTail, start + (uint)count);   // release: the SQEs before the tail

        // Submit and wait for all completions in one call; a signal (EINTR) may cut either part short.
        int submitted = 0;
        while (true)
        {
            int result = Enter(_fd, (uint)(count - submitted), (uint)(count - submitted), IORING_ENTER_GETEVENTS);
            submitted = (int)(Volatile.Read(ref *_sqHead) - start);
            if (submitted >= count) break;
            if (result < 0 && Marshal.GetLastPInvokeError() == LinuxNative.EINTR) continue;
            // The kernel refused the rest (ENOMEM, EAGAIN, EBUSY, or a request that failed to prepare on a kernel
            // without SUBMIT_ALL): take the unconsumed requests back off the ring; the caller sends them itself.
            Volatile.Write(ref *_sqTail, start + (uint)submitted);
            break;
        }

        Reap(submitted, results);
        return submitted;
    }

    private void Reap(int expected, Span<int> results)
    {
        int reaped = 0;
        uint head = *_cqHead;   // only this thread moves the head
        while (reaped < expected)
        {
            uint tail = Volatile.Read(ref *_cqTail);   // acquire: the CQEs before the tail
            for (; head != tail; head++)
            {
                Cqe* cqe = _cqes + (head & _cqMask);
                results[(int)cqe->UserData] = cqe->Res;
                reaped++;
            }

            Volatile.Write(ref *_cqHead, head);
            if (reaped >= expected) return;
            // Not all posted yet (a request the kernel finished asynchronously): wait for the rest.
            int result = Enter(_fd, 0, (uint)(expected - reaped), IORING_ENTER_GETEVENTS);
            if (result < 0 && Marshal.GetLastPInvokeError() is not (LinuxNative.EINTR or LinuxNative.EAGAIN or EBUSY))
            {
                Debug.Fail($"io_uring_enter (wait) failed: errno {Marshal.GetLastPInvokeError()}");
                Thread.Sleep(1);   // cannot happen on a valid ring; never spin
            }
        }
    }

    /// <summary>Closes the ring: the kernel drops its file table (and with it its references to the sockets).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        munmap(_sqes, _sqesSize);
        if (_cqRingSize != 0) munmap(_cqRing, _cqRingSize);
        munmap(_sqRing, _sqRingSize);
        LinuxNative.close(_fd);
    }

    private static byte* Map(int fd, nuint size, long offset)
    {
        void* p = mmap(null, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
        return p == (void*)-1 ? null : (byte*)p;
    }

    /// <summary>IORING_REGISTER_PROBE: is IORING_OP_SEND known to this kernel?</summary>
    private static bool SupportsSend(int fd)
    {
        const int Ops = 64;
        // struct io_uring_probe: last_op, ops_len, resv, resv2[3] (16 bytes), then io_uring_probe_op[ops] (8 bytes each).
        byte* probe = stackalloc byte[16 + (Ops * 8)];
        new Span<byte>(probe, 16 + (Ops * 8)).Clear();
        if (Register(fd, IORING_REGISTER_PROBE, probe, Ops) < 0) return false;
        if (probe[0] < IORING_OP_SEND) return false;   // last_op
        ushort flags = *(ushort*)(probe + 16 + (IORING_OP_SEND * 8) + 2);
        return (flags & IO_URING_OP_SUPPORTED) != 0;
    }
}
