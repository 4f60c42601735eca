using System.Net;
using System.Runtime.InteropServices;

namespace WsChat.Tests.Support;

/// <summary>
/// A blocking TCP client on a bare libc descriptor (Linux): no managed object per connection, so a test can measure
/// what the server in the same process retains per connection with <see cref="GC.GetTotalMemory"/> without the
/// clients' own <c>Socket</c> objects in the figure.
/// </summary>
internal static unsafe partial class DescriptorClient
{
    private const string Libc = "libc";
    private const int AfInet = 2;
    private const int SockStream = 1;

    /// <summary>Connects to an IPv4 <paramref name="endPoint"/>; the descriptor, or throws.</summary>
    public static int Connect(IPEndPoint endPoint)
    {
        int fd = socket(AfInet, SockStream, 0);
        if (fd < 0) throw new InvalidOperationException($"socket: errno {Marshal.GetLastPInvokeError()}");
        // struct sockaddr_in: family (host order), port (network order), address (network order), 8 bytes of zero.
        byte* address = stackalloc byte[16];
        new Span<byte>(address, 16).Clear();
        *(ushort*)address = AfInet;
        address[2] = (byte)(endPoint.Port >> 8);
        address[3] = (byte)endPoint.Port;
        endPoint.Address.TryWriteBytes(new Span<byte>(address + 4, 4), out _);
        if (connect(fd, address, 16) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            close(fd);
            throw new InvalidOperationException($"connect: errno {errno}");
        }

        return fd;
    }

    public static void SendAll(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            int sent = 0;
            while (sent < bytes.Length)
            {
                nint n = send(fd, p + sent, (nuint)(bytes.Length - sent), 0);
                if (n <= 0) throw new InvalidOperationException($"send: errno {Marshal.GetLastPInvokeError()}");
                sent += (int)n;
            }
        }
    }

    /// <summary>Reads until <paramref name="done"/> says the bytes so far are enough; their count.</summary>
    public static int ReceiveUntil(int fd, Span<byte> buffer, Func<ReadOnlySpan<byte>, bool> done)
    {
        int got = 0;
        fixed (byte* p = buffer)
        {
            while (!done(buffer[..got]))
            {
                nint n = recv(fd, p + got, (nuint)(buffer.Length - got), 0);
                if (n <= 0) throw new InvalidOperationException($"recv: {n}, errno {Marshal.GetLastPInvokeError()}");
                got += (int)n;
            }
        }

        return got;
    }

    public static void Close(int fd) => close(fd);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int connect(int fd, byte* address, int length);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int close(int fd);
}
