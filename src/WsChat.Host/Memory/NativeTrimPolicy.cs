namespace WsChat.Host.Memory;

/// <summary>
/// When the host gives glibc's free malloc memory back to the operating system (<see cref="NativeHeapTrimmer"/>):
/// after a burst of work, once the process is quiet, or right after a gen2 collection (which finalizes what a burst
/// left, and whose native handles are freed then). glibc keeps freed memory in its arenas for reuse; after a
/// connection storm that was 0 or ~9 MB of a 10,000-connection server's RSS depending on the run (docs/benchmarks.md
/// "Idle connection: the receive path without a task"). Trimming while busy would only be faulted back in, and
/// trimming when nothing was freed costs a walk of the arenas for nothing: hence the two thresholds. Immutable.
/// </summary>
/// <param name="QuietBytes">The process counts as quiet when it allocated at most this much in one check interval.</param>
/// <param name="BurstBytes">A trim is worth it once more than this was allocated since the last one.</param>
internal readonly record struct NativeTrimPolicy(long QuietBytes, long BurstBytes)
{
    /// <summary>True when the process should trim now.</summary>
    /// <param name="allocatedInInterval">Bytes allocated since the previous check.</param>
    /// <param name="allocatedSinceTrim">Bytes allocated since the last trim (since the start before the first).</param>
    /// <param name="gen2SinceTrim">Gen2 collections since the last trim.</param>
    public bool ShouldTrim(long allocatedInInterval, long allocatedSinceTrim, int gen2SinceTrim) =>
        allocatedSinceTrim > BurstBytes && (allocatedInInterval <= QuietBytes || gen2SinceTrim > 0);
}
