using System.Runtime.InteropServices;
using WsChat.Host.Memory;

namespace WsChat.Tests.Host.Memory;

// Measures the process's own resident memory: alone, so that no other test's allocations land between the readings.
[NonParallelizable]
public class GlibcTests
{
    private const int Chunk = 1024;
    private const int Chunks = 48 * 1024;   // 48 MiB in 1 KiB chunks: under glibc's mmap threshold, so in an arena

    [Test]
    public void IsAvailable_OnLinux_FollowsTheCLibrary()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.That(Glibc.IsAvailable, Is.False);
            Assert.That(Glibc.TrimFreeMemory(), Is.False, "a no-op elsewhere");
            return;
        }

        // /lib/ld-musl-* is the loader on musl (Alpine); glibc's is ld-linux-*.
        bool musl = Directory.Exists("/lib") && Directory.EnumerateFiles("/lib", "ld-musl-*").Any();
        Assert.That(Glibc.IsAvailable, Is.EqualTo(!musl));
    }

    [Test]
    public void SetArenaMax_OutOfRange_IsRefusedWithoutCallingGlibc()
    {
        Assert.That(Glibc.SetArenaMax(0), Is.False);
        Assert.That(Glibc.SetArenaMax(-1), Is.False);
    }

    [Test]
    public unsafe void TrimFreeMemory_FreedArenaChunks_GoBackToTheOperatingSystem()
    {
        if (!Glibc.IsAvailable) Assert.Ignore("glibc only");

        // A thread of its own, so that its chunks come from one arena and nothing else frees into the middle of them.
        long freedKb = 0, trimmedKb = 0;
        bool released = false;
        var thread = new Thread(() =>
        {
            var chunks = new IntPtr[Chunks];
            for (int i = 0; i < Chunks; i++)
            {
                chunks[i] = (IntPtr)NativeMemory.Alloc(Chunk);
                new Span<byte>((void*)chunks[i], Chunk).Fill(1);   // touched: resident
            }

            // The last chunk stays allocated, so free() cannot give the memory back from the top of the heap by itself.
            for (int i = 0; i < Chunks - 1; i++) NativeMemory.Free((void*)chunks[i]);
            freedKb = RssAnonKb();
            released = Glibc.TrimFreeMemory();
            trimmedKb = RssAnonKb();
            NativeMemory.Free((void*)chunks[^1]);
        });
        thread.Start();
        Assert.That(thread.Join(TimeSpan.FromMinutes(1)), Is.True);

        Assert.That(released, Is.True, "malloc_trim said it released memory");
        Assert.That(freedKb - trimmedKb, Is.GreaterThanOrEqualTo(32 * 1024), $"RssAnon {freedKb} KiB after free, {trimmedKb} KiB after the trim");
    }

    private static long RssAnonKb()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) return long.Parse(line.AsSpan(8).Trim()[..^3], System.Globalization.CultureInfo.InvariantCulture);
        }

        throw new InvalidOperationException("no RssAnon in /proc/self/status");
    }
}
