using Microsoft.Extensions.Logging;

namespace WsChat.Core.Backplane;

/// <summary>The scale-out path's log messages (4400–4499).</summary>
internal static partial class BackplaneLog
{
    [LoggerMessage(EventId = 4401, Level = LogLevel.Warning, Message = "Backplane connection restored; reading what each room missed from storage")]
    public static partial void Reconnected(ILogger logger);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "Room {Room}: ids {From}..{To} never reached storage; skipped")]
    public static partial void Skipped(ILogger logger, string room, long from, long to);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Warning, Message = "Room {Room}: reading storage to fill a gap failed; retrying")]
    public static partial void FillFailed(ILogger logger, string room, Exception? exception);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Warning, Message = "No cluster id for {Conversation}: the backplane is unreachable; refused with server_busy")]
    public static partial void IdFailed(ILogger logger, string conversation, Exception? exception);
}
