namespace WsChat.Tests.Support;

/// <summary>
/// The external services tests may use, as <c>scripts/test.sh</c> exports them (WSCHAT_TEST_*). A test
/// that needs one that is missing is ignored locally and fails where <c>CI=true</c>, so a green CI run
/// means every such test really ran.
/// </summary>
internal static class TestServices
{
    /// <summary>True under .ci/run (CI=true): missing services fail tests instead of skipping them.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Npgsql connection string of a PostgreSQL server tests may create databases on (WSCHAT_TEST_POSTGRES).</summary>
    public static string PostgresConnectionString => Require("WSCHAT_TEST_POSTGRES");

    /// <summary>The folder of pg_ctl (WSCHAT_TEST_POSTGRES_BIN), to stop and start the test server.</summary>
    public static string PostgresBin => Require("WSCHAT_TEST_POSTGRES_BIN");

    /// <summary>The test server's data folder (WSCHAT_TEST_POSTGRES_DATA).</summary>
    public static string PostgresData => Require("WSCHAT_TEST_POSTGRES_DATA");

    /// <summary>host:port of a Redis server (WSCHAT_TEST_REDIS).</summary>
    public static string Redis => Require("WSCHAT_TEST_REDIS");

    /// <summary>Port of that Redis server (WSCHAT_TEST_REDIS_PORT), to restart it.</summary>
    public static string RedisPort => Require("WSCHAT_TEST_REDIS_PORT");

    /// <summary>Path of a Chromium binary (WSCHAT_TEST_CHROMIUM).</summary>
    public static string Chromium => Require("WSCHAT_TEST_CHROMIUM");

    private static string Require(string variable)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value)) return value;
        string message = $"{variable} is not set: run the tests through ./scripts/test.sh, which starts the services.";
        if (IsCi) Assert.Fail(message);
        Assert.Ignore(message);
        return null!;   // not reached: both asserts throw
    }
}
