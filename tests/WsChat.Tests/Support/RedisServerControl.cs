using System.Diagnostics;
using System.Net.Sockets;

namespace WsChat.Tests.Support;

/// <summary>
/// Stops and starts the test Redis (the one scripts/test.sh started on WSCHAT_TEST_REDIS_PORT), as an operator
/// restarting it would: <c>SHUTDOWN NOSAVE</c> (it keeps nothing: test.sh runs it without persistence, like a Redis
/// that lost its data), then <c>redis-server</c> again on the same port.
/// </summary>
internal static class RedisServerControl
{
    public static int Port => int.Parse(TestServices.RedisPort, System.Globalization.CultureInfo.InvariantCulture);

    public static async Task StopAsync(CancellationToken ct)
    {
        await RunAsync("redis-cli", ct, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "shutdown", "nosave");
        for (int i = 0; i < 100 && IsListening(); i++) await Task.Delay(50, ct);
        Assert.That(IsListening(), Is.False, "redis-server did not stop");
    }

    public static async Task StartAsync(CancellationToken ct)
    {
        if (IsListening()) return;
        await RunAsync("redis-server", ct, "--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--save", "", "--appendonly", "no", "--daemonize", "yes", "--dir", Path.GetTempPath(), "--logfile", "");
        for (int i = 0; i < 100 && !IsListening(); i++) await Task.Delay(50, ct);
        Assert.That(IsListening(), Is.True, "redis-server did not start again");
    }

    private static bool IsListening()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect("127.0.0.1", Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task RunAsync(string file, CancellationToken ct, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        using Process process = Process.Start(info)!;
        await process.WaitForExitAsync(ct);
    }
}
