using Npgsql;

namespace WsChat.Tests.Support;

/// <summary>
/// A database of its own on the test PostgreSQL server (WSCHAT_TEST_POSTGRES), created for one fixture and
/// dropped after it, so fixtures running at the same time never see each other's rows. Inside it, each test
/// can take a fresh schema (<see cref="CreateSchemaAsync"/>) to start from an empty store.
/// </summary>
internal sealed class PostgresTestDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;

    private PostgresTestDatabase(string adminConnectionString, string name, string connectionString)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>Connects to this database (Pooling off: a dropped database must leave no pooled connections).</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        string admin = TestServices.PostgresConnectionString;
        string name = "wschat_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false };
        return new PostgresTestDatabase(admin, name, builder.ConnectionString);
    }

    /// <summary>Creates an empty schema and returns a connection string whose search path starts there.</summary>
    public async Task<string> CreateSchemaAsync()
    {
        string schema = "t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema, Pooling = true }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
