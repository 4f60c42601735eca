namespace WsChat.Host.Storage;

/// <summary>Settings of <see cref="PostgresMessageStore"/> (configuration section <c>WsChat:Storage</c>).</summary>
internal sealed class PostgresMessageStoreOptions
{
    /// <summary>An Npgsql connection string (<c>WsChat:Storage:PostgresConnectionString</c>). Tables are created
    /// in the first schema of its search path. Without an explicit <c>Timeout</c>, connecting gives up after
    /// 3 s (Npgsql's default is 15 s), so an outage turns into <c>server_busy</c> quickly.</summary>
    public required string ConnectionString { get; init; }
}
