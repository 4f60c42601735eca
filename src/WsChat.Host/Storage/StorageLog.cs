using Microsoft.Extensions.Logging;

namespace WsChat.Host.Storage;

/// <summary>The host's storage log messages (source-generated).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(4100, LogLevel.Information, "Storage: {Provider} {Location}")]
    public static partial void Selected(ILogger logger, StorageProvider provider, string location);
}
