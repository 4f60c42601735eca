namespace WsChat.Host.Storage;

/// <summary>SQLite's <c>PRAGMA synchronous</c> in WAL mode: when a commit is considered durable.</summary>
internal enum SqliteSynchronous
{
    /// <summary>A commit is written to the WAL (the OS page cache) and survives a crash or SIGKILL of the
    /// process; the WAL is fsynced at checkpoints, so a power loss or kernel crash may drop the last
    /// commits (never corrupting the database). This is what PROTOCOL.md §5 promises for an ack.</summary>
    Normal,

    /// <summary>Every commit also fsyncs the WAL (one fsync per batch): an ack survives a power loss too.</summary>
    Full,
}
