using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using WsChat.Net.Diagnostics;
using WsChat.Net.Http;
using WsChat.Net.WebSockets;

namespace WsChat.Net.Transport;

/// <summary>The transport's log messages (source-generated: no boxing or formatting unless enabled).</summary>
internal static partial class Log
{
    // The engine is in the line because WsChat:SocketEngine=Auto picks it by platform: an operator reading the log
    // should not have to know that rule to see which one runs.
    [LoggerMessage(1, LogLevel.Information, "Listening on {EndPoint} ({SocketEngine} socket engine)")]
    public static partial void Listening(ILogger logger, EndPoint endPoint, SocketEngine socketEngine);

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

    // Once per sending thread; the fan-out then uses one send() per connection, as without io_uring.
    [LoggerMessage(13, LogLevel.Information, "io_uring unavailable (errno {Errno}); fan-out sends use send()")]
    public static partial void IoUringUnavailable(ILogger logger, int errno);

    /// <summary>A request head arrived (Debug). The target is logged with token values masked (<see cref="LogRedaction"/>);
    /// headers are never logged (Authorization carries the same secret).</summary>
    public static void Request(ILogger logger, long connectionId, HttpRequestHead head)
    {
        if (!logger.IsEnabled(LogLevel.Debug)) return;
        RequestCore(logger, connectionId, Encoding.ASCII.GetString(head.Method), LogRedaction.RedactTarget(head.Target));
    }

    /// <summary>We start the close handshake (Debug), with the reason we send.</summary>
    public static void Closing(ILogger logger, long connectionId, ushort closeCode, ReadOnlySpan<char> reason)
    {
        if (logger.IsEnabled(LogLevel.Debug)) ClosingCore(logger, connectionId, closeCode, reason.ToString());
    }

    /// <summary>A WebSocket connection ended (Debug); 1006 when it ended without a close handshake.</summary>
    public static void Closed(ILogger logger, long connectionId, WebSocketCloseCode closeCode) =>
        ClosedCore(logger, connectionId, (ushort)(closeCode == WebSocketCloseCode.None ? WebSocketCloseCode.AbnormalClosure : closeCode));

    [LoggerMessage(10, LogLevel.Debug, "Connection {ConnectionId:x}: {Method} {Target}")]
    private static partial void RequestCore(ILogger logger, long connectionId, string method, string target);

    [LoggerMessage(11, LogLevel.Debug, "Connection {ConnectionId:x}: closing with {CloseCode} \"{Reason}\"")]
    private static partial void ClosingCore(ILogger logger, long connectionId, ushort closeCode, string reason);

    [LoggerMessage(12, LogLevel.Debug, "Connection {ConnectionId:x}: closed with {CloseCode}")]
    private static partial void ClosedCore(ILogger logger, long connectionId, ushort closeCode);
}
