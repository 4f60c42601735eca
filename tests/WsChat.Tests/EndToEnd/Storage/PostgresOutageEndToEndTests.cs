using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>
/// PostgreSQL stopped under a running wschat (pg_ctl stop -m fast: every connection is cut), then started again.
/// This stops the shared test server: the fixture is NonParallelizable and starts it again in a finally.
/// </summary>
[TestFixture, Category("Postgres")]
public sealed class PostgresOutageEndToEndTests : StorageOutageEndToEndTests
{
    private PostgresTestDatabase? _database;
    private string? _serverOptions;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _database = await PostgresTestDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task DropDatabaseAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }

    private protected override async Task<string[]> StorageArgumentsAsync() =>
        ["--WsChat:Storage:Provider=postgres", "--WsChat:Storage:PostgresConnectionString=" + await _database!.CreateSchemaAsync()];

    private protected override Task BreakStorageAsync(WsChatProcess server)
    {
        _serverOptions = PostgresServerControl.ReadOptions();
        PostgresServerControl.Stop();
        return Task.CompletedTask;
    }

    private protected override Task RepairStorageAsync(WsChatProcess server)
    {
        if (_serverOptions is not null) PostgresServerControl.Start(_serverOptions);
        _serverOptions = null;
        return Task.CompletedTask;
    }
}
