using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using WsChat.Core.Ports;
using WsChat.Host.Storage;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host.Storage;

/// <summary>The store contract on a real PostgreSQL server: a database per fixture, a schema per test.</summary>
[TestFixture, Category("Postgres")]
public sealed class PostgresMessageStoreTests : DurableMessageStoreContractTests
{
    private PostgresTestDatabase? _database;
    private string _connectionString = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _database = await PostgresTestDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task DropDatabaseAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }

    protected override async Task<IMessageStore> CreateStoreAsync()
    {
        _connectionString = await _database!.CreateSchemaAsync();
        return await OpenAgainAsync();
    }

    protected override IMessageStore CreateUninitialised() =>
        new PostgresMessageStore(new PostgresMessageStoreOptions { ConnectionString = _connectionString }, NullLogger<PostgresMessageStore>.Instance);

    protected override async Task<int[]> ReadSchemaVersionsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        return [.. await connection.QueryAsync<int>("SELECT version FROM schema_version ORDER BY version")];
    }

    protected override async Task RecordSchemaVersionAsync(int version)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.ExecuteAsync("INSERT INTO schema_version (version, description) VALUES (@version, 'from the future')", new { version });
    }

    [Test]
    public async Task Initialize_TwoNodesAtOnce_MigrateOnce()
    {
        await using IMessageStore a = CreateUninitialised();
        await using IMessageStore b = CreateUninitialised();
        await Task.WhenAll(a.InitializeAsync(CancellationToken.None), b.InitializeAsync(CancellationToken.None));
        Assert.That(await ReadSchemaVersionsAsync(), Is.EqualTo(Enumerable.Range(1, PostgresMessageStore.LatestVersion)));
    }
}
