using System.Data;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using WsChat.Core.Ports;

namespace WsChat.Host.Storage;

/// <summary>
/// <see cref="IMessageStore"/> on a SQLite file in WAL mode (the default store). One writer connection,
/// owned by the batch writer's single append at a time, with its statements prepared once; reads use
/// their own pooled connections, which WAL lets run alongside the writer.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite does synchronous I/O behind its async methods, so every call here is moved off
/// the caller's thread: a shard that awaits a history read is never blocked by the disk.
/// After any failed append the writer connection is thrown away and the next append opens a new one,
/// which is how the store recovers once the file is reachable again.
/// </remarks>
internal sealed partial class SqliteMessageStore : IMessageStore
{
    private static readonly SchemaMigration[] s_migrations =
    [
        new(1, "messages, keyed by conversation and id, with the dedup index", """
            CREATE TABLE messages (
                conversation TEXT    NOT NULL,
                id           INTEGER NOT NULL,
                from_id      TEXT    NOT NULL,
                from_name    TEXT    NOT NULL,
                text         TEXT    NOT NULL,
                ts           INTEGER NOT NULL,
                ref          TEXT,
                to_id        TEXT,
                PRIMARY KEY (conversation, id)
            ) WITHOUT ROWID;
            CREATE INDEX messages_by_ref ON messages (conversation, from_id, ref, ts) WHERE ref IS NOT NULL;
            """),
    ];

    private readonly SqliteMessageStoreOptions _options;
    private readonly ILogger _logger;
    private readonly string _createConnectionString;
    private readonly string _connectionString;
    private Writer? _writer;

    public SqliteMessageStore(SqliteMessageStoreOptions options, ILogger<SqliteMessageStore> logger)
    {
        _options = options;
        _logger = logger;
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = options.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        _createConnectionString = builder.ToString();
        // After initialisation nothing may create the file: if the path stops leading to the database
        // (volume gone, file moved), fail rather than start an empty database in its place.
        builder.Mode = SqliteOpenMode.ReadWrite;
        _connectionString = builder.ToString();
    }

    /// <summary>The schema version this code writes; the database may not be newer.</summary>
    internal static int LatestVersion => s_migrations[^1].Version;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken) => Task.Run(() =>
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(_options.Path));
        if (folder is not null) Directory.CreateDirectory(folder);
        using SqliteConnection connection = Open(_createConnectionString);
        // WAL is a property of the file: set once, it stays. Readers then never block the writer.
        string mode = connection.ExecuteScalar<string>("PRAGMA journal_mode=WAL") ?? "";
        if (!mode.Equals("wal", StringComparison.OrdinalIgnoreCase)) throw new InvalidOperationException($"SQLite refused WAL mode (journal_mode={mode}).");
        Migrate(connection);
    }, cancellationToken);

    /// <inheritdoc />
    public Task AppendBatchAsync(ReadOnlyMemory<StoredMessage> batch, Memory<AppendOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.Length != batch.Length) throw new ArgumentException("One outcome per message.", nameof(outcomes));
        if (batch.IsEmpty) return Task.CompletedTask;
        return Task.Run(() =>
        {
            Writer writer = _writer ??= new Writer(OpenWriter());
            try
            {
                writer.Append(batch.Span, outcomes.Span);
            }
            catch
            {
                // Whatever broke (file gone, disk full, lock timeout), start the next append from a fresh connection.
                _writer = null;
                writer.Dispose();
                throw;
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> GetLastIdAsync(ConversationKey conversation, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using SqliteConnection connection = Open();
        return connection.ExecuteScalar<long?>("SELECT MAX(id) FROM messages WHERE conversation = @c", new { c = conversation.Value }) ?? 0;
    }, cancellationToken);

    /// <inheritdoc />
    public Task<MessagePage> ReadHistoryAsync(ConversationKey conversation, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return Task.Run(() =>
        {
            using SqliteConnection connection = Open();
            List<MessageRow> rows = connection.Query<MessageRow>(
                $"SELECT {MessageRow.Columns} FROM messages WHERE conversation = @c AND id < @before ORDER BY id DESC LIMIT @take",
                new { c = conversation.Value, before = beforeId ?? long.MaxValue, take = limit + 1 }).AsList();
            return MessageRow.ToPage(rows, limit, conversation);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<MessagePage> ReadSinceAsync(ConversationKey conversation, long sinceId, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return Task.Run(() =>
        {
            using SqliteConnection connection = Open();
            // Newest first with one extra row: more than max missed → the newest max, recovered false.
            List<MessageRow> rows = connection.Query<MessageRow>(
                $"SELECT {MessageRow.Columns} FROM messages WHERE conversation = @c AND id > @since ORDER BY id DESC LIMIT @take",
                new { c = conversation.Value, since = sinceId, take = max + 1 }).AsList();
            return MessageRow.ToPage(rows, max, conversation);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<StoredMessage?> FindByRefAsync(ConversationKey conversation, string fromId, string clientRef, long notBefore, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using SqliteConnection connection = Open();
        MessageRow? row = connection.QueryFirstOrDefault<MessageRow>(
            $"SELECT {MessageRow.Columns} FROM messages WHERE conversation = @c AND from_id = @f AND ref = @r AND ts >= @nb ORDER BY id DESC LIMIT 1",
            new { c = conversation.Value, f = fromId, r = clientRef, nb = notBefore });
        return row is null ? (StoredMessage?)null : row.ToMessage(conversation);
    }, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _writer, null)?.Dispose();
        // Pooled read connections keep the file open; release them so the file can be moved or deleted.
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }

    private SqliteConnection Open(string? connectionString = null)
    {
        var connection = new SqliteConnection(connectionString ?? _connectionString);
        connection.Open();
        return connection;
    }

    private SqliteConnection OpenWriter()
    {
        SqliteConnection connection = Open();
        try
        {
            string synchronous = _options.Synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL";
            connection.Execute(string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout={(int)_options.BusyTimeout.TotalMilliseconds}"));
            // A missing table means the path now leads to some other (new, empty) file: refuse to write there.
            if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'messages'") == 0)
            {
                throw new InvalidOperationException($"{_options.Path} has no messages table; it is not the database this store initialised.");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Migrate(SqliteConnection connection)
    {
        connection.Execute("""
            CREATE TABLE IF NOT EXISTS schema_version (
                version     INTEGER PRIMARY KEY,
                description TEXT    NOT NULL,
                applied_at  INTEGER NOT NULL
            )
            """);
        // IMMEDIATE takes the write lock first, so two processes starting at once migrate one after the other.
        using SqliteTransaction tx = connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
        int current = connection.ExecuteScalar<int?>("SELECT MAX(version) FROM schema_version", transaction: tx) ?? 0;
        if (current > LatestVersion)
        {
            throw new InvalidOperationException($"{_options.Path} has schema version {current}, newer than this wschat knows ({LatestVersion}); refusing to touch it.");
        }

        foreach (SchemaMigration migration in s_migrations)
        {
            if (migration.Version <= current) continue;
            connection.Execute(migration.Sql, transaction: tx);
            connection.Execute("INSERT INTO schema_version (version, description, applied_at) VALUES (@v, @d, @t)",
                new { v = migration.Version, d = migration.Description, t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, tx);
            LogMigrated(_logger, _options.Path, migration.Version, migration.Description);
        }

        tx.Commit();
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "SQLite {Path}: applied schema version {Version} ({Description})")]
    private static partial void LogMigrated(ILogger logger, string path, int version, string description);
}
