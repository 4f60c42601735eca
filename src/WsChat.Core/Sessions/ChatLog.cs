using Microsoft.Extensions.Logging;
using WsChat.Core.Shards;

namespace WsChat.Core.Sessions;

/// <summary>The chat's log messages (source-generated: no allocation when the level is off).</summary>
internal static partial class ChatLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Shard {Shard} failed a {Kind} command; the client got 'internal'")]
    public static partial void ShardCommandFailed(ILogger logger, int shard, ShardCommandKind kind, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Connection {ConnectionId}: a message failed; closing it with 1011")]
    public static partial void ReceiveFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Chat listening on {Endpoint}{Path} with {Shards} shards")]
    public static partial void Started(ILogger logger, System.Net.EndPoint endpoint, string path, int shards);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Development mode: anonymous users (?user=NAME) are accepted. Never run this in production.")]
    public static partial void AnonymousEnabled(ILogger logger);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Chat stopping: closing {Connections} connections with 1001")]
    public static partial void Stopping(ILogger logger, int connections);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning, Message = "Storage not reachable at start (attempt {Attempt}): {Reason}; trying again in {DelayMs} ms")]
    public static partial void StorageStartRetry(ILogger logger, int attempt, int delayMs, string reason);
}
