using WsChat.Core;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Server;

/// <summary><see cref="ChatServer.StartAsync"/> with a store that is not reachable yet: it is waited for, within a bound.</summary>
[CancelAfter(60_000)]
public class ChatServerStartTests
{
    [Test]
    public async Task StartAsync_StoreUnreachableTwiceThenBack_StartsAfterRetrying(CancellationToken ct)
    {
        var store = new ControllableMessageStore { InitializeFailures = 2 };
        await using var server = new ChatServer(ChatTestServer.Options(o => Bounded(o, TimeSpan.FromSeconds(60))), store: store);
        await server.StartAsync(ct);
        Assert.That(store.InitializeCalls, Is.EqualTo(3));
        // Started for real: a client gets in.
        await using ChatTestClient client = await ChatTestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{server.LocalEndPoint.Port}/ws?token={TestTokens.Mint("u1")}"), ct);
        await client.ExpectAsync("welcome", ct);
    }

    [Test]
    public async Task StartAsync_StoreNeverReachable_FailsWithTheStoresErrorOnceTheTimeoutIsUsedUp(CancellationToken ct)
    {
        var store = new ControllableMessageStore { InitializeFailures = int.MaxValue };
        await using var server = new ChatServer(ChatTestServer.Options(o => Bounded(o, TimeSpan.FromSeconds(2))), store: store);
        IOException? error = Assert.ThrowsAsync<IOException>(() => server.StartAsync(ct));
        Assert.That(error!.Message, Does.Contain("not reachable"));
        Assert.That(store.InitializeCalls, Is.InRange(2, 4), "0.5 s, then 1 s between attempts, within 2 s");
    }

    [Test]
    public async Task StartAsync_ZeroStartTimeout_TriesOnce(CancellationToken ct)
    {
        var store = new ControllableMessageStore { InitializeFailures = 1 };
        await using var server = new ChatServer(ChatTestServer.Options(o => Bounded(o, TimeSpan.Zero)), store: store);
        Assert.ThrowsAsync<IOException>(() => server.StartAsync(ct));
        Assert.That(store.InitializeCalls, Is.EqualTo(1));
    }

    private static ChatServerOptions Bounded(ChatServerOptions o, TimeSpan startTimeout) => new()
    {
        Endpoint = o.Endpoint, JwtSecret = o.JwtSecret, ShardCount = o.ShardCount, DrainTimeout = o.DrainTimeout,
        StorageStartTimeout = startTimeout,
    };
}
