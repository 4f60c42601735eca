using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace WsChat.Net.Transport.Epoll;

/// <summary>
/// The Linux system calls of the epoll engine. Every signature is blittable (ints, pointers), so the generated stubs
/// marshal nothing and allocate nothing; errno is read with <see cref="Marshal.GetLastPInvokeError"/>.
/// Constants are the asm-generic values, the same on x64 and arm64 (the two architectures the engine runs on).
/// </summary>
internal static unsafe partial class LinuxNative
{
    private const string Libc = "libc";

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLET = 1u << 31;

    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int MSG_PEEK = 0x2;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;   // EPIPE instead of SIGPIPE when the peer is gone
    public const int SHUT_WR = 1;
    public const int IPPROTO_TCP = 6;
    public const int TCP_NODELAY = 1;
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int O_NONBLOCK = 0x800;

    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;   // = EWOULDBLOCK
    public const int ENOMEM = 12;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EPIPE = 32;
    public const int ENETDOWN = 100;
    public const int ENETUNREACH = 101;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ENOBUFS = 105;
    public const int ENOTCONN = 107;
    public const int ETIMEDOUT = 110;
    public const int EHOSTUNREACH = 113;

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, void* ev);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_wait(int epfd, void* events, int maxevents, int timeout);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int accept4(int sockfd, void* addr, void* addrlen, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint recv(int sockfd, byte* buf, nuint len, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint send(int sockfd, byte* buf, nuint len, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int shutdown(int sockfd, int how);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int getpeername(int sockfd, void* addr, int* addrlen);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int setsockopt(int sockfd, int level, int optname, void* optval, int optlen);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    /// <summary>The errno of the last call above on this thread.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>errno → the <see cref="SocketError"/> System.Net.Sockets reports for it, so the connection's
    /// handling of a dead peer (<see cref="SocketException"/>) is the same under both engines.</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        0 => SocketError.Success,
        EAGAIN => SocketError.WouldBlock,
        EINTR => SocketError.Interrupted,
        EBADF => SocketError.OperationAborted,
        ECONNRESET => SocketError.ConnectionReset,
        EPIPE => SocketError.Shutdown,
        ENOTCONN => SocketError.NotConnected,
        ECONNABORTED => SocketError.ConnectionAborted,
        ETIMEDOUT => SocketError.TimedOut,
        EHOSTUNREACH => SocketError.HostUnreachable,
        ENETUNREACH => SocketError.NetworkUnreachable,
        ENETDOWN => SocketError.NetworkDown,
        ENOBUFS or ENOMEM => SocketError.NoBufferSpaceAvailable,
        EMFILE or ENFILE => SocketError.TooManyOpenSockets,
        EINVAL => SocketError.InvalidArgument,
        _ => SocketError.SocketError,
    };

    public static SocketException Exception(int errno) => new((int)ToSocketError(errno));
}
