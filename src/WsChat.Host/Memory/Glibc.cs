using System.Runtime.InteropServices;

namespace WsChat.Host.Memory;

/// <summary>
/// The glibc malloc controls the host's native-memory policy uses (<see cref="MemoryReclaimer"/>, docs/operations.md
/// "Memory and the GC"). Resolved once from <c>libc.so.6</c>, and only when it is glibc (it exports
/// <c>gnu_get_libc_version</c>): on musl (Alpine), other operating systems or a libc without these functions,
/// <see cref="IsAvailable"/> is false and every call is a no-op. Thread-safe (glibc locks its arenas itself).
/// </summary>
internal static unsafe class Glibc
{
    // malloc.h: mallopt parameter numbers.
    private const int M_ARENA_MAX = -8;

    private static readonly delegate* unmanaged<nuint, int> s_mallocTrim;
    private static readonly delegate* unmanaged<int, int, int> s_mallopt;

#pragma warning disable CA1810 // the exports are resolved together, and only on Linux with glibc
    static Glibc()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out IntPtr libc)) return;
        if (!NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _)
            || !NativeLibrary.TryGetExport(libc, "malloc_trim", out IntPtr trim)
            || !NativeLibrary.TryGetExport(libc, "mallopt", out IntPtr mallopt))
        {
            return;
        }

        s_mallocTrim = (delegate* unmanaged<nuint, int>)trim;
        s_mallopt = (delegate* unmanaged<int, int, int>)mallopt;
    }
#pragma warning restore CA1810

    /// <summary>True when the process runs on glibc and the functions below act.</summary>
    public static bool IsAvailable => s_mallocTrim != null;

    /// <summary>
    /// <c>malloc_trim(0)</c>: gives the whole free pages of every malloc arena back to the operating system
    /// (<c>madvise(MADV_DONTNEED)</c> inside arenas, and the top of each heap). Costs a walk of the arenas' free
    /// chunks under each arena's lock. Returns whether any memory was released; false where unavailable.
    /// </summary>
    public static bool TrimFreeMemory() => s_mallocTrim != null && s_mallocTrim(0) != 0;

    /// <summary>
    /// <c>mallopt(M_ARENA_MAX, max)</c>: at most <paramref name="max"/> malloc arenas from now on. glibc fixes the
    /// limit when the process's ninth arena is created (8 × cores by default), so this acts only when called early,
    /// while few threads have allocated; threads made later share the existing arenas. Returns whether glibc accepted it.
    /// </summary>
    public static bool SetArenaMax(int max) => s_mallopt != null && max > 0 && s_mallopt(M_ARENA_MAX, max) == 1;
}
