using System.Net;
using Microsoft.Extensions.Time.Testing;
using WsChat.Core;
using WsChat.Core.Client;
using WsChat.Core.Ports;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Client;

/// <summary>
/// A real <see cref="ChatServer"/> on 127.0.0.1:0 for the chat client's tests, optionally with a message store (so
/// that the server deduplicates retried refs, PROTOCOL.md §5), and the means to cut a client's connection from the
/// server's side.
/// </summary>
internal sealed class ClientTestServer : IAsyncDisposable
{
    private readonly List<ChatClient> _recordedClients = [];

    private ClientTestServer(ChatServer server) => Server = server;

    public ChatServer Server { get; }

    public Uri Uri => new($"ws://127.0.0.1:{Server.LocalEndPoint.Port}/ws");

    /// <summary>Starts a server with the test secret and two shards; generous rate limits unless
    /// <paramref name="configure"/> says otherwise; <paramref name="store"/> turns persistence on.</summary>
    public static async Task<ClientTestServer> StartAsync(IMessageStore? store = null, Action<ChatServerOptionsBuilder>? configure = null)
    {
        var builder = new ChatServerOptionsBuilder();
        configure?.Invoke(builder);
        var server = new ChatServer(builder.Build(), store: store);
        await server.StartAsync();
        return new ClientTestServer(server);
    }

    /// <summary>Options for a client of <paramref name="userId"/> with a fixed test token; fast backoff by default.</summary>
    public ChatClientOptions ClientOptions(string userId, string? name = null, TimeProvider? time = null) => new()
    {
        ServerUri = Uri,
        Token = TestTokens.Mint(userId, name),
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        TimeProvider = time ?? TimeProvider.System,
        Random = new Random(1234),
    };

    /// <summary>A connected client (its welcome arrived).</summary>
    public async Task<ChatClient> ConnectAsync(string userId, CancellationToken ct, string? name = null)
    {
        var client = new ChatClient(ClientOptions(userId, name));
        await client.ConnectAsync(ct);
        return client;
    }

    /// <summary>
    /// A connected client whose events are recorded from before it connects (so its first state change is seen),
    /// with <paramref name="time"/> as its clock; disposed with the server, before it.
    /// </summary>
    public async Task<(ChatClient Client, ClientEvents Events)> ConnectRecordedAsync(string userId, CancellationToken ct, string? name = null, TimeProvider? time = null)
    {
        var client = new ChatClient(ClientOptions(userId, name, time));
        _recordedClients.Add(client);
        var events = new ClientEvents(client);
        await client.ConnectAsync(ct);
        return (client, events);
    }

    /// <summary>A fake clock for clients whose reconnect the test holds until it advances the clock.</summary>
    public static FakeTimeProvider FakeClock() => new(DateTimeOffset.UtcNow);

    /// <summary>The server closes <paramref name="client"/>'s current connection with <paramref name="code"/>.</summary>
    public void CloseConnectionOf(ChatClient client, WebSocketCloseCode code, string reason = "test")
    {
        long id = long.Parse(client.Session![1..], System.Globalization.CultureInfo.InvariantCulture);    // "c<id>"
        Assert.That(Server.Server.TryGetConnection(id, out WebSocketConnection? connection), Is.True, "the client's connection is open");
        connection!.Close(code, reason);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (ChatClient client in _recordedClients) await client.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>The server settings a test may change.</summary>
    internal sealed class ChatServerOptionsBuilder
    {
        public double UserRatePerSecond { get; set; } = 10_000;
        public int UserRateBurst { get; set; } = 10_000;
        public int MaxTextLength { get; set; } = 4096;
        public int ReplayLimit { get; set; } = 1000;
        public int Port { get; set; }
        public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

        public ChatServerOptions Build() => new()
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, Port),
            JwtSecret = TestTokens.Secret,
            ShardCount = 2,
            DrainTimeout = TimeSpan.FromSeconds(5),
            UserRatePerSecond = UserRatePerSecond,
            UserRateBurst = UserRateBurst,
            ConnectionRatePerSecond = 10_000,
            ConnectionRateBurst = 10_000,
            MaxTextLength = MaxTextLength,
            ReplayLimit = ReplayLimit,
            HeartbeatInterval = HeartbeatInterval,
        };
    }
}
