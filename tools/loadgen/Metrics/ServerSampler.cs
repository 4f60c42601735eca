using System.Globalization;

namespace WsChat.LoadGen.Metrics;

/// <summary>One reading of the server process from /proc: resident memory and CPU time used so far.</summary>
internal sealed record ServerSample(double AtSeconds, long RssKb, long RssAnonKb, double CpuSeconds, int Threads);

/// <summary>Samples <c>/proc/&lt;pid&gt;/status</c> (VmRSS, RssAnon) and <c>/proc/&lt;pid&gt;/stat</c> (utime + stime).</summary>
internal sealed class ServerSampler(int? pid)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public bool Enabled => pid is not null;

    public ServerSample? Sample()
    {
        if (pid is null) return null;
        try
        {
            long rss = 0, anon = 0;
            int threads = 0;
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kb(line);
                else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = (int)Kb(line);
            }

            return ProcCpu.Seconds(pid.Value) is { } cpu ? new ServerSample(_clock.Elapsed.TotalSeconds, rss, anon, cpu, threads) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static long Kb(string line)
    {
        string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries); // "VmRSS:\t  1234 kB"
        return long.Parse(parts[1], CultureInfo.InvariantCulture);
    }
}
