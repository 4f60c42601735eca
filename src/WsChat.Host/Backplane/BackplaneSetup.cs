using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using WsChat.Core;
using WsChat.Core.Ports;
using WsChat.Host.Storage;

namespace WsChat.Host.Backplane;

/// <summary>Turns scale-out on when <c>WsChat:Redis:ConnectionString</c> is configured (docs/operations.md).</summary>
internal static class BackplaneSetup
{
    /// <summary>Attaches a <see cref="RedisBackplane"/> to <paramref name="chat"/> (started, with its store attached);
    /// null when Redis is not configured.</summary>
    /// <exception cref="InvalidOperationException">Redis is configured but storage is not PostgreSQL: the nodes must share
    /// storage, since that is where each of them fills the gaps pub/sub leaves.</exception>
    public static async Task<IBackplane?> AttachAsync(ChatServer chat, StorageOptions storage, IConfiguration configuration, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        RedisOptions options = RedisOptions.From(configuration);
        if (!options.Enabled) return null;
        if (storage.Provider != StorageProvider.Postgres)
        {
            throw new InvalidOperationException(
                $"WsChat:Redis:ConnectionString is set but storage is '{storage.Provider}': several nodes must share one PostgreSQL database " +
                "(set WsChat:Storage:PostgresConnectionString), because each node fills what pub/sub lost from it.");
        }

        var backplane = new RedisBackplane(options, loggerFactory.CreateLogger<RedisBackplane>());
        try
        {
            await chat.Engine.AttachBackplaneAsync(backplane, options.Gaps, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await backplane.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        chat.Engine.BackplaneMetrics.Connected = () => backplane.IsConnected;
        return backplane;
    }
}
