using Microsoft.Extensions.Logging;

namespace WsChat.Host;

/// <summary>The host's log messages (source-generated).</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "wschat listening on {Address}:{Port} (echo {EchoEnabled})")]
    public static partial void Started(ILogger logger, string address, int port, bool echoEnabled);

    [LoggerMessage(101, LogLevel.Information, "Stopping: draining {Count} WebSocket connections")]
    public static partial void Stopping(ILogger logger, int count);

    [LoggerMessage(102, LogLevel.Information, "Stopped")]
    public static partial void Stopped(ILogger logger);
}
