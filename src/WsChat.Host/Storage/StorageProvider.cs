namespace WsChat.Host.Storage;

/// <summary>Which message store the server uses (<c>WsChat:Storage:Provider</c>).</summary>
internal enum StorageProvider
{
    /// <summary>A SQLite file (the default): durable, nothing to install.</summary>
    Sqlite,

    /// <summary>PostgreSQL (chosen by default when <c>PostgresConnectionString</c> is given).</summary>
    Postgres,

    /// <summary>In process memory through the same batch writer: history beyond the ring, not durable.</summary>
    Memory,

    /// <summary>No store: persistence off, each room keeps its last 100 messages in memory only.</summary>
    None,
}
