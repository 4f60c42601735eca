using Microsoft.Extensions.Logging;
using WsChat.Core.Ports;

namespace WsChat.Host.Storage;

/// <summary>Builds the configured <see cref="IMessageStore"/> (not yet initialised).</summary>
internal static class MessageStoreFactory
{
    /// <summary>The store for <paramref name="options"/>, or null for <see cref="StorageProvider.None"/>
    /// (persistence off). Call <see cref="IMessageStore.InitializeAsync"/> before use.</summary>
    public static IMessageStore? Create(StorageOptions options, ILoggerFactory loggerFactory) => options.Provider switch
    {
        StorageProvider.Sqlite => new SqliteMessageStore(options.Sqlite, loggerFactory.CreateLogger<SqliteMessageStore>()),
        StorageProvider.Postgres => new PostgresMessageStore(
            new PostgresMessageStoreOptions { ConnectionString = options.PostgresConnectionString! }, loggerFactory.CreateLogger<PostgresMessageStore>()),
        StorageProvider.Memory => new InMemoryMessageStore(),
        StorageProvider.None => null,
        _ => throw new ArgumentOutOfRangeException(nameof(options)),
    };
}
