using System.Globalization;

namespace WsChat.LoadGen.Metrics;

/// <summary>CPU time (user + system) a process has used so far, from <c>/proc/&lt;pid&gt;/stat</c>.</summary>
internal static class ProcCpu
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat, fixed at 100 by the Linux user-space ABI.
    private const double TicksPerSecond = 100;

    /// <summary>Seconds of CPU, or null when the process is gone or /proc is not there.</summary>
    public static double? Seconds(int pid)
    {
        try
        {
            // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The sum over several processes (the loadgen's nodes), or null when one cannot be read.</summary>
    public static double? Seconds(IEnumerable<int> pids)
    {
        double total = 0;
        foreach (int pid in pids.Distinct())
        {
            if (Seconds(pid) is not { } seconds) return null;
            total += seconds;
        }

        return total;
    }
}
