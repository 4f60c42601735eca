using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Core;
using WsChat.Host.Backplane;
using WsChat.Host.Storage;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host.Backplane;

public class RedisOptionsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Test]
    public void From_NothingConfigured_IsOffWithTheDocumentedDefaults()
    {
        RedisOptions options = RedisOptions.From(Config());
        Assert.That(options.Enabled, Is.False);
        Assert.That((options.KeyPrefix, options.SeedMargin, options.NodeTtl, options.Gaps.GapFillDelay, options.Gaps.GapSkipAfter),
            Is.EqualTo(("wschat:", 1000L, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(6))));
    }

    [Test]
    public void From_EveryKeySet_IsRead()
    {
        RedisOptions options = RedisOptions.From(Config(("WsChat:Redis:ConnectionString", "redis:6379"), ("WsChat:Redis:KeyPrefix", "c1:"),
            ("WsChat:Redis:SeedMargin", "0"), ("WsChat:Redis:NodeTtlMs", "3000"), ("WsChat:Redis:GapFillDelayMs", "50"), ("WsChat:Redis:GapSkipAfterMs", "9000")));
        Assert.That(options.Enabled, Is.True);
        Assert.That((options.ConnectionString, options.KeyPrefix, options.SeedMargin, options.NodeTtl, options.Gaps.GapFillDelay, options.Gaps.GapSkipAfter),
            Is.EqualTo(("redis:6379", "c1:", 0L, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(9))));
    }

    [TestCase("GapFillDelayMs", "0")]
    [TestCase("GapSkipAfterMs", "-5")]
    [TestCase("SeedMargin", "many")]
    [TestCase("NodeTtlMs", "299")]
    public void From_ValueOutOfRange_ThrowsNamingTheKey(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => RedisOptions.From(Config(("WsChat:Redis:" + key, value))));
        Assert.That(error!.Message, Does.Contain("WsChat:Redis:" + key));
    }

    [Test]
    public async Task Attach_RedisWithSqlite_RefusesToStartBecauseNodesMustShareStorage()
    {
        await using var chat = new ChatServer(new ChatServerOptions { JwtSecret = WsChatProcess.TestSecret, Endpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) });
        var storage = new StorageOptions { Provider = StorageProvider.Sqlite };
        var error = Assert.ThrowsAsync<InvalidOperationException>(() =>
            BackplaneSetup.AttachAsync(chat, storage, Config(("WsChat:Redis:ConnectionString", "127.0.0.1:1")), NullLoggerFactory.Instance, CancellationToken.None));
        Assert.That(error!.Message, Does.Contain("PostgreSQL"));
    }
}
