using Microsoft.Extensions.Configuration;
using WsChat.Host.Storage;

namespace WsChat.Tests.Host.Storage;

public sealed class StorageOptionsTests
{
    private static StorageOptions Read(params (string Key, string Value)[] settings) =>
        StorageOptions.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>("WsChat:Storage:" + s.Key, s.Value)))
            .Build());

    [Test]
    public void From_NothingConfigured_SqliteUnderDataWithDocumentedDefaults()
    {
        StorageOptions options = Read();
        Assert.Multiple(() =>
        {
            Assert.That(options.Provider, Is.EqualTo(StorageProvider.Sqlite));
            Assert.That(options.Sqlite.Path, Is.EqualTo(Path.Combine("data", "wschat.db")));
            Assert.That(options.Sqlite.Synchronous, Is.EqualTo(SqliteSynchronous.Normal));
            Assert.That(options.Batching.MaxBatchSize, Is.EqualTo(1024));
            Assert.That(options.Batching.MaxBatchDelay, Is.EqualTo(TimeSpan.Zero));
            Assert.That(options.Batching.MaxPending, Is.EqualTo(65_536));
            Assert.That(options.Batching.CommitTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        });
    }

    [Test]
    public void From_ConnectionStringOnly_ChoosesPostgres()
    {
        StorageOptions options = Read(("PostgresConnectionString", "Host=db;Username=chat"));
        Assert.Multiple(() =>
        {
            Assert.That(options.Provider, Is.EqualTo(StorageProvider.Postgres));
            Assert.That(options.PostgresConnectionString, Is.EqualTo("Host=db;Username=chat"));
        });
    }

    [Test]
    public void From_ExplicitProviderWithConnectionString_ProviderWins() =>
        Assert.That(Read(("Provider", "SQLite"), ("PostgresConnectionString", "Host=db")).Provider, Is.EqualTo(StorageProvider.Sqlite));

    [TestCase("memory", "Memory")]
    [TestCase("none", "None")]
    [TestCase("NONE", "None")]
    [TestCase("Postgres", "Postgres")]
    public void From_Provider_IsParsedIgnoringCase(string value, string expected) =>
        Assert.That(Read(("Provider", value), ("PostgresConnectionString", "Host=db")).Provider.ToString(), Is.EqualTo(expected));

    [Test]
    public void From_AllKeys_AreRead()
    {
        StorageOptions options = Read(("SqlitePath", "/var/lib/wschat/chat.db"), ("SqliteSynchronous", "full"), ("MaxBatchSize", "1"),
            ("MaxBatchDelayMs", "2"), ("MaxPending", "10"), ("CommitTimeoutMs", "750"), ("RetryDelayMs", "0"), ("MaxRetryDelayMs", "0"), ("StartTimeoutMs", "1500"));
        Assert.Multiple(() =>
        {
            Assert.That(options.Sqlite.Path, Is.EqualTo("/var/lib/wschat/chat.db"));
            Assert.That(options.Sqlite.Synchronous, Is.EqualTo(SqliteSynchronous.Full));
            Assert.That(options.Batching.MaxBatchSize, Is.EqualTo(1), "at the lower limit");
            Assert.That(options.Batching.MaxBatchDelay, Is.EqualTo(TimeSpan.FromMilliseconds(2)));
            Assert.That(options.Batching.MaxPending, Is.EqualTo(10));
            Assert.That(options.Batching.CommitTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(750)));
            Assert.That(options.Batching.RetryDelay, Is.EqualTo(TimeSpan.Zero));
            Assert.That(options.StartTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
        });
    }

    [TestCase("Provider", "mysql")]
    [TestCase("Provider", "7")]
    [TestCase("SqliteSynchronous", "off")]
    [TestCase("MaxBatchSize", "lots")]
    [TestCase("MaxBatchSize", "0")]
    [TestCase("MaxPending", "-1")]
    [TestCase("CommitTimeoutMs", "0")]
    [TestCase("MaxBatchDelayMs", "1.5")]
    [TestCase("StartTimeoutMs", "soon")]
    public void From_BadValue_ThrowsNamingTheKey(string key, string value) =>
        Assert.That(() => Read((key, value)), Throws.InvalidOperationException.With.Message.Contains(key));

    [Test]
    public void From_PostgresWithoutConnectionString_Throws() =>
        Assert.That(() => Read(("Provider", "postgres")), Throws.InvalidOperationException.With.Message.Contains("PostgresConnectionString"));

    [Test]
    public async Task Factory_EachProvider_BuildsItsStore()
    {
        using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(_ => { });
        Assert.Multiple(async () =>
        {
            Assert.That(MessageStoreFactory.Create(Read(("Provider", "none")), loggers), Is.Null);
            await using var memory = MessageStoreFactory.Create(Read(("Provider", "memory")), loggers);
            Assert.That(memory, Is.InstanceOf<WsChat.Core.Ports.InMemoryMessageStore>());
            await using var sqlite = MessageStoreFactory.Create(Read(), loggers);
            Assert.That(sqlite, Is.InstanceOf<SqliteMessageStore>());
            await using var postgres = MessageStoreFactory.Create(Read(("PostgresConnectionString", "Host=127.0.0.1")), loggers);
            Assert.That(postgres, Is.InstanceOf<PostgresMessageStore>());
        });
        await Task.CompletedTask;
    }
}
