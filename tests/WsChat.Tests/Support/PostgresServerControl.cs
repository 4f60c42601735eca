using System.Diagnostics;

namespace WsChat.Tests.Support;

/// <summary>
/// Stops and starts the test PostgreSQL server (WSCHAT_TEST_POSTGRES_BIN/_DATA) for outage tests. Other
/// tests share that server: callers are <c>[NonParallelizable]</c> and start it again in a finally.
/// </summary>
internal static class PostgresServerControl
{
    /// <summary>Stops the server (<c>-m fast</c>: open connections are terminated at once; no crash recovery at the next start).</summary>
    public static void Stop() => PgCtl("stop", "-m", "fast", "-w");

    /// <summary>Starts the server again with the options it was started with (kept in postmaster.opts by
    /// PostgreSQL: scripts/test.sh gives port and socket folder on the command line, not in postgresql.conf).</summary>
    public static void Start(string options) => PgCtl("start", "-w", "-l", Path.Combine(TestServices.PostgresData, "..", "pg-restart.log"), "-o", options);

    /// <summary>The command-line options of the running server, to start it the same way after a stop.</summary>
    public static string ReadOptions()
    {
        // postmaster.opts: /usr/lib/postgresql/15/bin/postgres "-D" "/tmp/…/pg" "-c" "port=55432" …
        string line = File.ReadAllText(Path.Combine(TestServices.PostgresData, "postmaster.opts")).Trim();
        int firstArg = line.IndexOf(" \"", StringComparison.Ordinal);
        string args = firstArg < 0 ? "" : line[(firstArg + 1)..];
        // The data folder is given to pg_ctl by -D already.
        return System.Text.RegularExpressions.Regex.Replace(args, "\"-D\" \"[^\"]*\"\\s*", "");
    }

    private static void PgCtl(params string[] args)
    {
        string pgCtl = Path.Combine(TestServices.PostgresBin, "pg_ctl");
        // PostgreSQL refuses to run as root; scripts/test.sh runs it as the 'postgres' user then, and so do we.
        bool root = Environment.UserName == "root";
        var info = new ProcessStartInfo(root ? "runuser" : pgCtl) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (root) { info.ArgumentList.Add("-u"); info.ArgumentList.Add("postgres"); info.ArgumentList.Add("--"); info.ArgumentList.Add(pgCtl); }
        info.ArgumentList.Add("-D");
        info.ArgumentList.Add(TestServices.PostgresData);
        foreach (string arg in args) info.ArgumentList.Add(arg);
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        if (!process.WaitForExit(60_000)) throw new TimeoutException("pg_ctl " + string.Join(' ', args));
        if (process.ExitCode != 0) throw new InvalidOperationException($"pg_ctl {string.Join(' ', args)} failed ({process.ExitCode}): {output}");
    }
}
