namespace WsChat.Host.Memory;

/// <summary>
/// How busy the process has been, read without collecting: what <see cref="NativeHeapTrimmer"/> tells a burst and a
/// quiet spell by. Managed allocation stands for native allocation: the work that mallocs and frees (handshakes'
/// HMAC in OpenSSL, SQLite, the JIT compiling paths a burst is the first to use) allocates on the managed heap too,
/// while steady messaging and idle connections allocate nothing on either.
/// </summary>
/// <param name="AllocatedBytes">Managed bytes allocated since the process started (all threads, approximate).</param>
/// <param name="Gen2Collections">Gen2 collections since the process started, the host's induced ones included.</param>
internal readonly record struct ProcessActivity(long AllocatedBytes, int Gen2Collections)
{
    /// <summary>The figures now. Cheap: two counters, no collection.</summary>
    public static ProcessActivity Current() => new(GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(2));
}
