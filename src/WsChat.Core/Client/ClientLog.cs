using Microsoft.Extensions.Logging;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Client;

/// <summary>The chat client's log messages (source-generated: no allocation when the level is off).</summary>
internal static partial class ClientLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Connected to {Uri} as {UserId} (session {Session}, connection {Generation})")]
    public static partial void Connected(ILogger logger, Uri uri, string userId, string session, int generation);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Connection lost (close {CloseCode}); reconnecting in {Delay}")]
    public static partial void Reconnecting(ILogger logger, WebSocketCloseCode closeCode, TimeSpan delay, Exception? exception);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Closed for good: {Reason}")]
    public static partial void ClosedForGood(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "An event handler of the chat client threw; the client goes on")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Ignored a server message that is not valid PROTOCOL.md JSON ({Length} bytes)")]
    public static partial void MalformedMessage(ILogger logger, int length);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "No message from the server for two heartbeats ({HeartbeatMs} ms each): dropping the connection")]
    public static partial void Silent(ILogger logger, int heartbeatMs);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Token refresh failed; the server closes the connection when the current token expires")]
    public static partial void RefreshFailed(ILogger logger, Exception exception);
}
