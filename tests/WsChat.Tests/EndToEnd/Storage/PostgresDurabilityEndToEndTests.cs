using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>The durability guarantees on PostgreSQL: a database of this fixture's own, a fresh schema per test.</summary>
[TestFixture, Category("Postgres")]
public sealed class PostgresDurabilityEndToEndTests : DurabilityEndToEndTests
{
    private PostgresTestDatabase? _database;
    private string? _connectionString;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _database = await PostgresTestDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task DropDatabaseAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }

    private protected override async Task<string[]> StorageArgumentsAsync()
    {
        _connectionString = await _database!.CreateSchemaAsync();
        return ["--WsChat:Storage:Provider=postgres", "--WsChat:Storage:PostgresConnectionString=" + _connectionString];
    }

    private protected override Task<List<(long Id, string Text)>> ReadRowsAsync(WsChatProcess server) =>
        StoredRows.PostgresAsync(_connectionString!, StorageEndToEnd.Room);
}
