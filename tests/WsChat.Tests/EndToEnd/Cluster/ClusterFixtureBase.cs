using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Cluster;

/// <summary>
/// What every cluster end-to-end fixture needs before its first node starts: Redis and its port (ignored locally,
/// failed in CI when missing, as <see cref="TestServices"/> decides) and one PostgreSQL database for the fixture,
/// in which each test creates its own schema so tests never see each other's messages.
/// </summary>
public abstract class ClusterFixtureBase
{
    private PostgresTestDatabase? _database;

    private protected PostgresTestDatabase Database =>
        _database ?? throw new InvalidOperationException("The fixture's database is created in OneTimeSetUp.");

    [OneTimeSetUp]
    public async Task CreateDatabase()
    {
        _ = TestServices.Redis;
        _ = TestServices.RedisPort;
        _database = await PostgresTestDatabase.CreateAsync();
    }

    [OneTimeTearDown]
    public async Task DropDatabase()
    {
        if (_database is not null) await _database.DisposeAsync();
    }
}
