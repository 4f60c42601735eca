using Microsoft.Extensions.DependencyInjection;
using WsChat.Host.Configuration;
using WsChat.Host.Metrics;
using WsChat.Net.Transport;

namespace WsChat.Host.Endpoints;

/// <summary>
/// Every route of the wschat server in one place (PROTOCOL.md §1). Add new endpoints here: <c>/ws</c> (chat),
/// <c>/metrics</c>, static files at <c>/</c>.
/// </summary>
internal static class ServerEndpoints
{
    /// <param name="server">The server, not started yet.</param>
    /// <param name="options">The host's settings.</param>
    /// <param name="services">The host's services.</param>
    /// <param name="chat">The chat attached to <paramref name="server"/> (it mapped <c>/ws</c> itself); its counters go to /metrics.</param>
    public static void Map(WebSocketServer server, WsChatOptions options, IServiceProvider services, WsChat.Core.ChatServer? chat = null)
    {
        server.MapHttp("/healthz", new HealthHandler());
        // /readyz, /metrics, /stats, the WsChat Meter; /readyz also waits for storage when the chat has a store.
        // With several nodes, also for Redis (issue 8: a node that cannot reach it says so).
        services.GetRequiredService<OperationsEndpoints>().Map(server, chat?.Metrics, chat?.Stats,
            checks: [.. new[] { chat?.StorageReadiness, chat?.Engine.BackplaneReadiness }.OfType<WsChat.Core.Diagnostics.IReadinessCheck>()]);
        if (options.Echo.Enabled)
        {
            // PROTOCOL.md §1: for RFC 6455 conformance suites; off by default.
            server.MapWebSocket("/echo", new EchoHandler(), new WebSocketEndpointOptions
            {
                MaxMessageBytes = options.Echo.MaxMessageBytes,
                // A 16 MiB message may legitimately come in many small fragments (Autobahn 9.x sends 64 KiB of 1-byte frames... in chops).
                MaxFramesPerMessage = int.MaxValue,
            });
        }

        // /ws: mapped by the ChatServer that ServerHostedService attaches to this server.

        // The web page at / and /static/, its sign-in settings, /dev/token in development mode (issue 7).
        Web.WebEndpoints.Map(server, services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>());
    }
}
