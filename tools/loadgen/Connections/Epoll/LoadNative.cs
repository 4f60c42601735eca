using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace WsChat.LoadGen.Connections.Epoll;

/// <summary>
/// The Linux calls of the loadgen's own socket loop (<see cref="ReceiveLoop"/>): blittable signatures only, errno
/// through <see cref="Marshal.GetLastPInvokeError"/>. Constants are the asm-generic values (x64 and arm64).
/// </summary>
internal static unsafe partial class LoadNative
{
    private const string Libc = "libc";

    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SO_ERROR = 4;
    public const int IPPROTO_IP = 0;
    public const int IPPROTO_TCP = 6;
    public const int TCP_NODELAY = 1;
    public const int IP_BIND_ADDRESS_NO_PORT = 24;   // include/uapi/linux/in.h: the port is picked at connect time
    public const int MSG_PEEK = 0x2;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int SHUT_WR = 1;
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;
    public const short POLLOUT = 0x004;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EINPROGRESS = 115;

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int connect(int fd, void* addr, int addrlen);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int bind(int fd, void* addr, int addrlen);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int optname, void* optval, int optlen);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int optname, void* optval, int* optlen);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint recv(int fd, byte* buf, nuint len, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint send(int fd, byte* buf, nuint len, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int poll(void* fds, nuint nfds, int timeout);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, void* ev);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_wait(int epfd, void* events, int maxevents, int timeout);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint read(int fd, void* buf, nuint count);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint write(int fd, void* buf, nuint count);

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>A failed call as the exception the rest of the loadgen already reports by its error code.</summary>
    public static SocketException Exception(int errno) => new(errno switch
    {
        111 => (int)SocketError.ConnectionRefused,   // ECONNREFUSED
        104 => (int)SocketError.ConnectionReset,     // ECONNRESET
        32 => (int)SocketError.Shutdown,             // EPIPE
        110 => (int)SocketError.TimedOut,            // ETIMEDOUT
        99 => (int)SocketError.AddressNotAvailable,  // EADDRNOTAVAIL: out of ephemeral ports
        24 or 23 => (int)SocketError.TooManyOpenSockets,   // EMFILE, ENFILE
        _ => (int)SocketError.SocketError,
    });

    /// <summary>Writes <paramref name="endPoint"/> as a struct sockaddr_in or sockaddr_in6 into
    /// <paramref name="into"/> (28 bytes at least); returns its length.</summary>
    public static int WriteSockaddr(IPEndPoint endPoint, Span<byte> into)
    {
        into[..28].Clear();
        ushort port = (ushort)endPoint.Port;
        into[2] = (byte)(port >> 8);   // sin_port, network order
        into[3] = (byte)port;
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            BitConverter.TryWriteBytes(into, (ushort)AF_INET);   // sa_family: host order
            endPoint.Address.TryWriteBytes(into.Slice(4, 4), out _);
            return 16;
        }

        BitConverter.TryWriteBytes(into, (ushort)AF_INET6);
        endPoint.Address.TryWriteBytes(into.Slice(8, 16), out _);
        BitConverter.TryWriteBytes(into[24..], (uint)endPoint.Address.ScopeId);
        return 28;
    }
}
