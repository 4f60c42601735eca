using System.Runtime.InteropServices;

namespace WsChat.Net.Transport.Epoll;

/// <summary>
/// The io_uring system calls and structures the batched send path uses (<see cref="SendRing"/>), from
/// include/uapi/linux/io_uring.h. The system call numbers are the asm-generic ones, the same on x64 and arm64.
/// Only what a ring of IORING_OP_SEND needs: setup, enter, register (files, probe), and the ring mappings.
/// </summary>
internal static unsafe partial class IoUringNative
{
    private const string Libc = "libc";

    public const long SYS_io_uring_setup = 425;
    public const long SYS_io_uring_enter = 426;
    public const long SYS_io_uring_register = 427;

    public const uint IORING_SETUP_CLAMP = 1u << 4;          // 5.6: clamp entries to the maximum instead of EINVAL
    public const uint IORING_SETUP_SUBMIT_ALL = 1u << 7;     // 5.18: one bad SQE does not stop the rest of the batch

    public const uint IORING_FEAT_SINGLE_MMAP = 1u << 0;     // 5.4: SQ and CQ rings share one mapping

    public const uint IORING_ENTER_GETEVENTS = 1u << 0;

    public const uint IORING_REGISTER_FILES = 2;
    public const uint IORING_REGISTER_FILES_UPDATE = 6;
    public const uint IORING_REGISTER_PROBE = 8;

    public const byte IORING_OP_SEND = 26;                   // 5.6
    public const byte IOSQE_FIXED_FILE = 1 << 0;
    public const ushort IO_URING_OP_SUPPORTED = 1 << 0;

    public const long IORING_OFF_SQ_RING = 0;
    public const long IORING_OFF_CQ_RING = 0x8000000;
    public const long IORING_OFF_SQES = 0x10000000;

    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x01;
    public const int MAP_POPULATE = 0x8000;
    public const int RLIMIT_NOFILE = 7;
    public const int EPERM = 1;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENOSYS = 38;
    public const int ENXIO = 6;

    /// <summary>struct io_sqring_offsets (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SqRingOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
        public ulong UserAddr;
    }

    /// <summary>struct io_cqring_offsets (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CqRingOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
        public ulong UserAddr;
    }

    /// <summary>struct io_uring_params (120 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Params
    {
        public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd, Resv0, Resv1, Resv2;
        public SqRingOffsets SqOff;
        public CqRingOffsets CqOff;
    }

    /// <summary>struct io_uring_sqe (64 bytes), the fields a send uses.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    public struct Sqe
    {
        [FieldOffset(0)] public byte Opcode;
        [FieldOffset(1)] public byte Flags;
        [FieldOffset(2)] public ushort IoPrio;
        [FieldOffset(4)] public int Fd;
        [FieldOffset(8)] public ulong Off;
        [FieldOffset(16)] public ulong Addr;
        [FieldOffset(24)] public uint Len;
        [FieldOffset(28)] public uint MsgFlags;
        [FieldOffset(32)] public ulong UserData;
        [FieldOffset(40)] public ushort BufIndex;
        [FieldOffset(42)] public ushort Personality;
        [FieldOffset(44)] public int FileIndex;
        [FieldOffset(48)] public ulong Addr3;
        [FieldOffset(56)] public ulong Pad2;
    }

    /// <summary>struct io_uring_cqe (16 bytes; rings set up without IORING_SETUP_CQE32).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Cqe
    {
        public ulong UserData;
        public int Res;
        public uint Flags;
    }

    /// <summary>struct io_uring_files_update (16 bytes): replace <c>nr</c> registered files from <c>Offset</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FilesUpdate
    {
        public uint Offset;
        public uint Resv;
        public ulong Fds;   // int* of new descriptors, -1 to empty a slot
    }

    [LibraryImport(Libc, SetLastError = true)]
    private static partial long syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    public static int Setup(uint entries, Params* p) => (int)syscall(SYS_io_uring_setup, (nint)entries, (nint)p, 0, 0, 0, 0);

    public static int Enter(int ringFd, uint toSubmit, uint minComplete, uint flags) =>
        (int)syscall(SYS_io_uring_enter, ringFd, (nint)toSubmit, (nint)minComplete, (nint)flags, 0, 0);

    public static int Register(int ringFd, uint opcode, void* arg, uint count) =>
        (int)syscall(SYS_io_uring_register, ringFd, (nint)opcode, (nint)arg, (nint)count, 0, 0);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int munmap(void* addr, nuint length);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int getrlimit(int resource, ulong* rlim);
}
