using System.Data.Common;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using WsChat.Core.Ports;

namespace WsChat.Host.Storage;

/// <summary>
/// <see cref="IMessageStore"/> on PostgreSQL through Npgsql. A batch is one statement (so one round trip and
/// one implicit transaction): the rows travel as arrays, <c>unnest</c>ed server-side, and the same statement
/// finds the duplicates by ref and inserts the rest. Statements are prepared (Npgsql auto-prepare).
/// </summary>
/// <remarks>
/// <para>Every string column is <c>bytea</c> holding UTF-8: PostgreSQL <c>text</c> cannot hold U+0000, and a
/// chat text (or a <c>ref</c>, or a DM's <c>to</c>) may contain it; one such message must not fail the batch
/// it shares with everyone else's, and text is stored byte-exact (PROTOCOL.md §5). Read a column with
/// <c>convert_from(text, 'UTF8')</c> when inspecting by hand.</para>
/// <para>Recovery: after a failure the pool is cleared, so that connections broken by a server restart are not
/// handed out one by one to the next batches; the next call connects afresh.</para>
/// </remarks>
internal sealed partial class PostgresMessageStore : IMessageStore
{
    // Any constant: serialises schema migrations of nodes starting at once (transaction-scoped advisory lock).
    private const long MigrationLockKey = 0x77736368_61740001;

    private static readonly SchemaMigration[] s_migrations =
    [
        new(1, "messages, keyed by conversation and id, with the dedup index", """
            CREATE TABLE messages (
                conversation bytea  NOT NULL,
                id           bigint NOT NULL,
                from_id      bytea  NOT NULL,
                from_name    bytea  NOT NULL,
                text         bytea  NOT NULL,
                ts           bigint NOT NULL,
                ref          bytea,
                to_id        bytea,
                PRIMARY KEY (conversation, id)
            );
            CREATE INDEX messages_by_ref ON messages (conversation, from_id, ref, ts) WHERE ref IS NOT NULL;
            """),
    ];

    // Rows with a ref are looked up (against the table as it was before this statement: one snapshot) and
    // left out of the insert when an earlier message matches; duplicates inside the batch are removed
    // before it is sent. The result lists the duplicates with the id they repeat.
    private const string AppendSql = """
        WITH input AS (
            SELECT * FROM unnest(@c, @id, @f, @n, @x, @t, @r, @to) WITH ORDINALITY AS u(c, id, f, n, x, t, r, to_id, ord)
        ), dup AS (
            SELECT u.ord,
                   (SELECT m.id FROM messages m
                     WHERE m.conversation = u.c AND m.from_id = u.f AND m.ref = u.r AND m.ts >= u.t - @window
                     ORDER BY m.id DESC LIMIT 1) AS existing
              FROM input u WHERE u.r IS NOT NULL
        ), ins AS (
            INSERT INTO messages (conversation, id, from_id, from_name, text, ts, ref, to_id)
            SELECT u.c, u.id, u.f, u.n, u.x, u.t, u.r, u.to_id FROM input u
             WHERE NOT EXISTS (SELECT 1 FROM dup d WHERE d.ord = u.ord AND d.existing IS NOT NULL)
        )
        SELECT ord, existing FROM dup WHERE existing IS NOT NULL
        """;

    private const string SelectColumns = "id, from_id, from_name, text, ts, ref, to_id";

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly Dictionary<(string Conversation, string FromId, string Ref), StoredMessage> _batchRefs = [];
    private readonly List<int> _sent = [];     // batch index of each row sent (in-batch duplicates are not)

    public PostgresMessageStore(PostgresMessageStoreOptions options, ILogger<PostgresMessageStore> logger)
    {
        _logger = logger;
        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = options.ConnectionString };
        if (!given.ContainsKey("Timeout")) builder.ConnectionStringBuilder.Timeout = 3;
        // Auto-prepare: the handful of statements here are prepared once per physical connection.
        if (!given.ContainsKey("Max Auto Prepare")) builder.ConnectionStringBuilder.MaxAutoPrepare = 16;
        if (!given.ContainsKey("Auto Prepare Min Usages")) builder.ConnectionStringBuilder.AutoPrepareMinUsages = 1;
        _dataSource = builder.Build();
    }

    internal static int LatestVersion => s_migrations[^1].Version;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = MigrationLockKey }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("""
            CREATE TABLE IF NOT EXISTS schema_version (
                version     integer PRIMARY KEY,
                description text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        int current = await connection.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT max(version) FROM schema_version", transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
        if (current > LatestVersion)
        {
            throw new InvalidOperationException($"The database has schema version {current}, newer than this wschat knows ({LatestVersion}); refusing to touch it.");
        }

        foreach (SchemaMigration migration in s_migrations)
        {
            if (migration.Version <= current) continue;
            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition("INSERT INTO schema_version (version, description) VALUES (@v, @d)",
                new { v = migration.Version, d = migration.Description }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            LogMigrated(_logger, migration.Version, migration.Description);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task AppendBatchAsync(ReadOnlyMemory<StoredMessage> batch, Memory<AppendOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (outcomes.Length != batch.Length) throw new ArgumentException("One outcome per message.", nameof(outcomes));
        if (batch.IsEmpty) return;
        NpgsqlCommand command = BuildAppend(batch.Span, outcomes.Span);
        try
        {
            await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            command.Connection = connection;
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                int index = _sent[(int)reader.GetInt64(0) - 1];
                outcomes.Span[index] = AppendOutcome.DuplicateOf(reader.GetInt64(1));
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or IOException)
        {
            // Connections in the pool may all be broken (server restarted): drop them, reconnect next time.
            _dataSource.Clear();
            throw;
        }
        finally
        {
            await command.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<long> GetLastIdAsync(ConversationKey conversation, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT max(id) FROM messages WHERE conversation = @c",
            new { c = Utf8(conversation.Value) }, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
    }

    /// <inheritdoc />
    public Task<MessagePage> ReadHistoryAsync(ConversationKey conversation, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return ReadPageAsync($"SELECT {SelectColumns} FROM messages WHERE conversation = @c AND id < @bound ORDER BY id DESC LIMIT @take",
            conversation, beforeId ?? long.MaxValue, limit, cancellationToken);
    }

    /// <inheritdoc />
    public Task<MessagePage> ReadSinceAsync(ConversationKey conversation, long sinceId, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        // Newest first with one extra row: more than max missed → the newest max, recovered false.
        return ReadPageAsync($"SELECT {SelectColumns} FROM messages WHERE conversation = @c AND id > @bound ORDER BY id DESC LIMIT @take",
            conversation, sinceId, max, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<StoredMessage?> FindByRefAsync(ConversationKey conversation, string fromId, string clientRef, long notBefore, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM messages WHERE conversation = @c AND from_id = @f AND ref = @r AND ts >= @nb ORDER BY id DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("c", NpgsqlDbType.Bytea, Utf8(conversation.Value));
        command.Parameters.AddWithValue("f", NpgsqlDbType.Bytea, Utf8(fromId));
        command.Parameters.AddWithValue("r", NpgsqlDbType.Bytea, Utf8(clientRef));
        command.Parameters.AddWithValue("nb", NpgsqlDbType.Bigint, notBefore);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadMessage(reader, conversation) : null;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private NpgsqlCommand BuildAppend(ReadOnlySpan<StoredMessage> batch, Span<AppendOutcome> outcomes)
    {
        // Duplicates inside the batch never reach the server: the statement compares against the table only.
        _batchRefs.Clear();
        _sent.Clear();
        for (int i = 0; i < batch.Length; i++)
        {
            ref readonly StoredMessage m = ref batch[i];
            outcomes[i] = AppendOutcome.Stored;
            if (m.Ref is null) { _sent.Add(i); continue; }
            var key = (m.Conversation.Value, m.FromId, m.Ref);
            if (_batchRefs.TryGetValue(key, out StoredMessage earlier) && earlier.Timestamp >= m.Timestamp - IMessageStore.DedupWindowMilliseconds)
            {
                outcomes[i] = AppendOutcome.DuplicateOf(earlier.Id);
                continue;
            }

            _batchRefs[key] = m;
            _sent.Add(i);
        }

        int n = _sent.Count;
        byte[][] c = new byte[n][], f = new byte[n][], name = new byte[n][], x = new byte[n][];
        byte[]?[] r = new byte[n][], to = new byte[n][];
        long[] id = new long[n], t = new long[n];
        for (int j = 0; j < n; j++)
        {
            ref readonly StoredMessage m = ref batch[_sent[j]];
            c[j] = Utf8(m.Conversation.Value);
            id[j] = m.Id;
            f[j] = Utf8(m.FromId);
            name[j] = Utf8(m.FromName);
            x[j] = Utf8(m.Text);
            t[j] = m.Timestamp;
            r[j] = m.Ref is null ? null : Utf8(m.Ref);
            to[j] = m.To is null ? null : Utf8(m.To);
        }

        var command = new NpgsqlCommand(AppendSql);
        command.Parameters.AddWithValue("c", NpgsqlDbType.Array | NpgsqlDbType.Bytea, c);
        command.Parameters.AddWithValue("id", NpgsqlDbType.Array | NpgsqlDbType.Bigint, id);
        command.Parameters.AddWithValue("f", NpgsqlDbType.Array | NpgsqlDbType.Bytea, f);
        command.Parameters.AddWithValue("n", NpgsqlDbType.Array | NpgsqlDbType.Bytea, name);
        command.Parameters.AddWithValue("x", NpgsqlDbType.Array | NpgsqlDbType.Bytea, x);
        command.Parameters.AddWithValue("t", NpgsqlDbType.Array | NpgsqlDbType.Bigint, t);
        command.Parameters.AddWithValue("r", NpgsqlDbType.Array | NpgsqlDbType.Bytea, r);
        command.Parameters.AddWithValue("to", NpgsqlDbType.Array | NpgsqlDbType.Bytea, to);
        command.Parameters.AddWithValue("window", NpgsqlDbType.Bigint, IMessageStore.DedupWindowMilliseconds);
        return command;
    }

    private async Task<MessagePage> ReadPageAsync(string sql, ConversationKey conversation, long bound, int wanted, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("c", NpgsqlDbType.Bytea, Utf8(conversation.Value));
        command.Parameters.AddWithValue("bound", NpgsqlDbType.Bigint, bound);
        command.Parameters.AddWithValue("take", NpgsqlDbType.Integer, wanted + 1);
        var newestFirst = new List<StoredMessage>(Math.Min(wanted + 1, 128));
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) newestFirst.Add(ReadMessage(reader, conversation));
        }

        bool more = newestFirst.Count > wanted;
        if (more) newestFirst.RemoveAt(newestFirst.Count - 1);
        if (newestFirst.Count == 0) return MessagePage.Empty;
        newestFirst.Reverse();
        return new MessagePage(newestFirst, more);
    }

    private static StoredMessage ReadMessage(NpgsqlDataReader reader, ConversationKey conversation) => new(
        conversation,
        reader.GetInt64(0),
        Text(reader, 1)!,
        Text(reader, 2)!,
        Text(reader, 3)!,
        reader.GetInt64(4),
        Text(reader, 5),
        Text(reader, 6));

    private static string? Text(NpgsqlDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(column));

    private static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "PostgreSQL: applied schema version {Version} ({Description})")]
    private static partial void LogMigrated(ILogger logger, int version, string description);
}
