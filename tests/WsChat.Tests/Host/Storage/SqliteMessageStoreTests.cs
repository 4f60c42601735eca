using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Core.Ports;
using WsChat.Host.Storage;

namespace WsChat.Tests.Host.Storage;

/// <summary>The store contract on a real SQLite file in a temporary folder.</summary>
[TestFixture]
public sealed class SqliteMessageStoreTests : DurableMessageStoreContractTests
{
    private string _folder = null!;

    private string DbPath => Path.Combine(_folder, "data", "wschat.db");

    protected override async Task<IMessageStore> CreateStoreAsync()
    {
        _folder = Directory.CreateTempSubdirectory("wschat-sqlite-").FullName;
        return await OpenAgainAsync();
    }

    protected override IMessageStore CreateUninitialised() =>
        new SqliteMessageStore(new SqliteMessageStoreOptions { Path = DbPath }, NullLogger<SqliteMessageStore>.Instance);

    protected override async Task<int[]> ReadSchemaVersionsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=false");
        return [.. await connection.QueryAsync<int>("SELECT version FROM schema_version ORDER BY version")];
    }

    protected override async Task RecordSchemaVersionAsync(int version)
    {
        await using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=false");
        await connection.ExecuteAsync("INSERT INTO schema_version (version, description, applied_at) VALUES (@version, 'from the future', 0)", new { version });
    }

    [TearDown]
    public void DeleteFolder()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Initialize_NewPath_CreatesTheFolderInWalMode()
    {
        Assert.That(File.Exists(DbPath), Is.True);
        await using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=false");
        Assert.That(await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"), Is.EqualTo("wal"));
    }

    [Test]
    public async Task Append_DatabaseFileGoneBeforeFirstWrite_FailsWithoutCreatingAnEmptyOneThenRecovers()
    {
        // A store must never start a fresh, empty database where its file used to be (a volume not
        // mounted yet, a file moved by an operator): ids would restart at 1.
        string aside = DbPath + ".aside";
        SqliteConnection.ClearAllPools();
        File.Move(DbPath, aside);
        try
        {
            Assert.That(async () => await AppendAsync(Msg(General, 1)), Throws.InstanceOf<SqliteException>());
            Assert.That(File.Exists(DbPath), Is.False, "no empty database created in its place");
        }
        finally
        {
            File.Move(aside, DbPath);
        }

        AppendOutcome[] outcomes = await AppendAsync(Msg(General, 2));
        Assert.Multiple(async () =>
        {
            Assert.That(outcomes, Is.EqualTo(new[] { AppendOutcome.Stored }), "the same store instance writes once the file is back");
            Assert.That(Ids(await Store.ReadHistoryAsync(General, null, 10, CancellationToken.None)), Is.EqualTo(new long[] { 2 }));
        });
    }

    [Test]
    public async Task Append_DatabaseLockedByAnotherProcess_FailsAfterBusyTimeoutThenRecovers()
    {
        await using IMessageStore store = new SqliteMessageStore(
            new SqliteMessageStoreOptions { Path = DbPath, BusyTimeout = TimeSpan.FromMilliseconds(200) }, NullLogger<SqliteMessageStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        var outcomes = new AppendOutcome[1];
        await using (var locker = new SqliteConnection($"Data Source={DbPath};Pooling=false"))
        {
            await locker.OpenAsync();
            await locker.ExecuteAsync("BEGIN EXCLUSIVE");
            Assert.That(async () => await store.AppendBatchAsync(new[] { Msg(General, 1) }, outcomes, CancellationToken.None),
                Throws.InstanceOf<SqliteException>().With.Property(nameof(SqliteException.SqliteErrorCode)).EqualTo(5 /* SQLITE_BUSY */));
            await locker.ExecuteAsync("ROLLBACK");
        }

        await store.AppendBatchAsync(new[] { Msg(General, 2) }, outcomes, CancellationToken.None);
        Assert.That(Ids(await store.ReadSinceAsync(General, 0, 10, CancellationToken.None)), Is.EqualTo(new long[] { 2 }));
    }

    [Test]
    public async Task Open_PathIsNotADatabase_InitializeThrows()
    {
        string bogus = Path.Combine(_folder, "not-a-db");
        await File.WriteAllTextAsync(bogus, "this is not a SQLite file, it is long enough to have a header of its own........");
        await using var store = new SqliteMessageStore(new SqliteMessageStoreOptions { Path = bogus }, NullLogger<SqliteMessageStore>.Instance);
        Assert.That(async () => await store.InitializeAsync(CancellationToken.None), Throws.InstanceOf<SqliteException>());
    }
}
