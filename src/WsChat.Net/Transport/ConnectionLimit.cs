using System.Runtime.InteropServices;

namespace WsChat.Net.Transport;

/// <summary>
/// The default of <see cref="WebSocketServerOptions.MaxConnections"/>: the open-files limit (RLIMIT_NOFILE, soft) less
/// the descriptors already open when the server is made (the runtime holds two per loaded assembly: ~170 for the host)
/// and a reserve for what the process opens later (assemblies loaded on first use, files, the database).
/// </summary>
/// <remarks>
/// Why a cap at all: a process at its descriptor limit does not fail politely. With 300 open files and 400 clients the
/// host died with "Out of memory." in the runtime (issue 5, docs/benchmarks.md "19,000 on one process"); accept4's
/// EMFILE alone would only have left clients waiting in the backlog. Below the cap a client that comes too many gets
/// a 503 and a closed connection at once, and the process lives.
/// </remarks>
internal static partial class ConnectionLimit
{
    // 1/32 of the limit, at least 128 and at most 1,024 descriptors: 625 of 20,000 (with the host's ~170 open, a cap of
    // ~19,200, above issue 5's 19,000), 128 of 1,024.
    private const int MinReserve = 128;
    private const int MaxReserve = 1024;
    private const int RlimitNoFile = 7;   // RLIMIT_NOFILE on Linux (x64, arm64)

    /// <summary>The cap for an open-files limit of <paramref name="openFiles"/> with <paramref name="openNow"/>
    /// descriptors open already (never below 1).</summary>
    public static int FromOpenFilesLimit(long openFiles, int openNow)
    {
        if (openFiles <= 0 || openFiles >= int.MaxValue) return int.MaxValue;
        long reserve = Math.Clamp(openFiles / 32, MinReserve, MaxReserve);
        return (int)Math.Max(1, openFiles - Math.Max(0, openNow) - reserve);
    }

    /// <summary><see cref="WebSocketServerOptions.MaxConnections"/> when set, else the cap for this process's limit
    /// (no cap where the limit cannot be read).</summary>
    public static int Resolve(int configured) => configured > 0 ? configured : FromOpenFilesLimit(SoftOpenFilesLimit(), OpenDescriptors());

    private static int OpenDescriptors()
    {
        try
        {
            return OperatingSystem.IsLinux() ? Directory.GetFileSystemEntries("/proc/self/fd").Length : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static unsafe long SoftOpenFilesLimit()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        ulong* limits = stackalloc ulong[2];   // struct rlimit { rlim_t rlim_cur, rlim_max } (64-bit)
        try
        {
            return getrlimit(RlimitNoFile, limits) == 0 && limits[0] < long.MaxValue ? (long)limits[0] : -1;
        }
        catch (EntryPointNotFoundException)
        {
            return -1;
        }
    }

    [LibraryImport("libc")]
    private static unsafe partial int getrlimit(int resource, ulong* limits);
}
