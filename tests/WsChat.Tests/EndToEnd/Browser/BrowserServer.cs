using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Browser;

/// <summary>How the browser tests start wschat: development sign-in on (a name is enough), storage in the
/// process's own temporary folder, so that ids and history survive the restarts the tests do.</summary>
internal static class BrowserServer
{
    public static Task<WsChatProcess> StartAsync(CancellationToken cancellationToken) =>
        WsChatProcess.StartAsync(cancellationToken, WsChatProcess.DevelopmentArguments);
}
