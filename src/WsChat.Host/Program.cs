using Microsoft.Extensions.Hosting;

namespace WsChat.Host;

internal static class Program
{
    // Configuration: appsettings.json < WSCHAT_ environment variables < command line (section "WsChat").
    // SIGTERM/SIGINT stop the host, which drains the server (ServerHostedService.StopAsync) and exits 0.
    private static async Task<int> Main(string[] args)
    {
        using IHost host = WsChatHost.Build(args);
        await host.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
