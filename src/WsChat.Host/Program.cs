using Microsoft.Extensions.Hosting;

namespace WsChat.Host;

internal static class Program
{
    // Configuration: appsettings.json < WSCHAT_ environment variables < command line (section "WsChat").
    // SIGTERM/SIGINT stop the host, which drains the server (ServerHostedService.StopAsync) and exits 0.
    // `wschat token --user ID [--name NAME] [--ttl 1:00:00]` mints a token with the configured secret instead.
    private static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "token") return TokenCommand.Run(args[1..], Console.Out, Console.Error);
        IHost host;
        try
        {
            host = WsChatHost.Build(args);
        }
        catch (InvalidOperationException e)
        {
            // A configuration error (e.g. no JWT secret): one clear line, no stack trace.
            await Console.Error.WriteLineAsync("wschat: " + e.Message).ConfigureAwait(false);
            return 2;
        }

        using (host)
        {
            try
            {
                await host.RunAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Start failed (storage unreachable past its start timeout, the port taken): the host has logged the
                // details; say it in one line and exit non-zero, rather than crash with an unhandled exception.
                await Console.Error.WriteLineAsync("wschat: could not start: " + e.GetBaseException().Message).ConfigureAwait(false);
                return 1;
            }
        }

        return 0;
    }
}
