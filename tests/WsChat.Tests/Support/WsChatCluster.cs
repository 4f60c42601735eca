using System.Text.Json;

namespace WsChat.Tests.Support;

/// <summary>
/// Several real wschat processes sharing one PostgreSQL schema and one Redis (with a key prefix of their own, so
/// clusters of different tests never meet), each on its own loopback port (issue 8).
/// </summary>
internal sealed class WsChatCluster : IAsyncDisposable
{
    private WsChatCluster(List<WsChatProcess> nodes, string prefix)
    {
        Nodes = nodes;
        KeyPrefix = prefix;
    }

    public IReadOnlyList<WsChatProcess> Nodes { get; }

    public string KeyPrefix { get; }

    /// <summary>Starts <paramref name="count"/> nodes on <paramref name="postgres"/> (a connection string) and the test Redis.</summary>
    public static async Task<WsChatCluster> StartAsync(int count, string postgres, CancellationToken ct, params string[] extra)
    {
        string prefix = "t" + Guid.NewGuid().ToString("N")[..10] + ":";
        string[] arguments =
        [
            "--WsChat:JwtSecret=" + WsChatProcess.TestSecret,
            "--WsChat:AllowAnonymous=true",
            "--WsChat:Shards=1",                      // 2 cores for 3 nodes and the tests
            "--WsChat:Storage:PostgresConnectionString=" + postgres,
            "--WsChat:Redis:ConnectionString=" + TestServices.Redis,
            "--WsChat:Redis:KeyPrefix=" + prefix,
            "--Logging:LogLevel:Default=Warning",
            .. extra,
        ];
        var nodes = new List<WsChatProcess>();
        try
        {
            // One after the other: starting three hosts at once on two cores only makes each slower.
            for (int i = 0; i < count; i++) nodes.Add(await WsChatProcess.StartAsync(ct, arguments));
            return new WsChatCluster(nodes, prefix);
        }
        catch
        {
            foreach (WsChatProcess node in nodes) await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Everything the nodes printed, for failure messages.</summary>
    public string Output => string.Join("\n", Nodes.Select((n, i) => $"--- node {i} ---\n{n.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (WsChatProcess node in Nodes) await node.DisposeAsync();
    }
}

/// <summary>A chat client on one node whose every received message is recorded, to be checked afterwards by id.</summary>
internal sealed class ClusterMember : IAsyncDisposable
{
    private readonly List<JsonElement> _received = [];
    private readonly Task _pump;

    private ClusterMember(ChatTestClient client, string user)
    {
        Client = client;
        User = user;
        _pump = Task.Run(PumpAsync);
    }

    public ChatTestClient Client { get; }

    public string User { get; }

    /// <summary>Completes when the connection ended (closed or broken).</summary>
    public Task Ended => _pump;

    public static async Task<ClusterMember> ConnectAsync(WsChatProcess node, string user, CancellationToken ct)
    {
        ChatTestClient client = await ChatTestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{node.Port}/ws?user={user}"), ct);
        await client.ExpectAsync("welcome", ct);
        return new ClusterMember(client, user);
    }

    public Task SendAsync(object message, CancellationToken ct) => Client.SendAsync(message, ct);

    /// <summary>A copy of what was received so far.</summary>
    public List<JsonElement> Received
    {
        get { lock (_received) return [.. _received]; }
    }

    /// <summary>Ids of the <c>message</c>s of <paramref name="room"/> received, in arrival order.</summary>
    public List<long> MessageIds(string room) =>
        [.. Received.Where(m => Type(m) == "message" && m.GetProperty("room").GetString() == room).Select(m => m.GetProperty("id").GetInt64())];

    /// <summary>Waits for a received message (from the start of the connection) that <paramref name="match"/>es.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, CancellationToken ct, string what = "a message")
    {
        while (true)
        {
            foreach (JsonElement m in Received)
                if (match(m)) return m;
            if (_pump.IsCompleted) Assert.Fail($"{User}: the connection ended before {what}; received: {string.Join("\n", Received)}");
            await Task.Delay(20, ct);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds over what was received.</summary>
    public async Task WaitUntilAsync(Func<List<JsonElement>, bool> condition, CancellationToken ct)
    {
        while (!condition(Received))
        {
            if (_pump.IsCompleted && !condition(Received)) return;
            await Task.Delay(20, ct);
        }
    }

    public static string? Type(JsonElement m) => m.GetProperty("type").GetString();

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        try { await _pump; } catch (Exception) { /* ended with the socket */ }
    }

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                JsonElement message = await Client.NextAsync(CancellationToken.None);
                lock (_received) _received.Add(message);
            }
        }
        catch (InvalidOperationException)
        {
            // closed: no message left
        }
    }
}
