using System.Net;
using Microsoft.Extensions.Logging;

namespace WsChat.Net.Transport;

/// <summary>The transport's log messages (source-generated: no boxing or formatting unless enabled).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(2, LogLevel.Warning, "Accept failed; retrying")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Error, "Connection {ConnectionId:x} failed; closed with 1011")]
    public static partial void ConnectionFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(4, LogLevel.Error, "Handler failed on connection {ConnectionId:x}; closing with 1011")]
    public static partial void HandlerFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Send failed on connection {ConnectionId:x}")]
    public static partial void SendFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(6, LogLevel.Information, "Draining {Count} WebSocket connections (timeout {Timeout})")]
    public static partial void Draining(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(7, LogLevel.Information, "Drained: {Remaining} connections closed without a reply")]
    public static partial void Drained(ILogger logger, int remaining);

    [LoggerMessage(8, LogLevel.Error, "HTTP handler failed on connection {ConnectionId:x}; answered 500")]
    public static partial void HttpHandlerFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(9, LogLevel.Error, "Connection timer failed")]
    public static partial void TimerFailed(ILogger logger, Exception exception);
}
