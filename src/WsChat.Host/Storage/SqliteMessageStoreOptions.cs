namespace WsChat.Host.Storage;

/// <summary>Settings of <see cref="SqliteMessageStore"/> (configuration section <c>WsChat:Storage</c>).</summary>
internal sealed class SqliteMessageStoreOptions
{
    /// <summary>The database file; its folder is created. Default <c>data/wschat.db</c> under the working directory.</summary>
    public string Path { get; init; } = System.IO.Path.Combine("data", "wschat.db");

    /// <summary>Default <see cref="SqliteSynchronous.Normal"/>: see docs/decisions/storage.md.</summary>
    public SqliteSynchronous Synchronous { get; init; } = SqliteSynchronous.Normal;

    /// <summary>How long a write waits for a lock held by another connection (a backup, an admin's shell)
    /// before the batch fails. Default 2 s, below the batcher's 5 s commit timeout so the error is SQLite's own.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
