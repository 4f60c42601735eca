using System.Net;
using WsChat.Core;

namespace WsChat.Tests.Support;

/// <summary>A real <see cref="ChatServer"/> on 127.0.0.1:0 (its own WebSocketServer), for end-to-end tests.</summary>
internal sealed class ChatTestServer : IAsyncDisposable
{
    private ChatTestServer(ChatServer server) => Server = server;

    public ChatServer Server { get; }

    public int Port => Server.LocalEndPoint.Port;

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>Options for tests: loopback, port 0, the test secret, two shards; <paramref name="configure"/> changes the rest.</summary>
    public static ChatServerOptions Options(Func<ChatServerOptions, ChatServerOptions>? configure = null)
    {
        var options = new ChatServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            JwtSecret = TestTokens.Secret,
            ShardCount = 2,
            DrainTimeout = TimeSpan.FromSeconds(5),
        };
        return configure is null ? options : configure(options);
    }

    public static async Task<ChatTestServer> StartAsync(ChatServerOptions? options = null)
    {
        var server = new ChatServer(options ?? Options());
        await server.StartAsync();
        return new ChatTestServer(server);
    }

    public Uri Uri(string query = "") => new($"ws://127.0.0.1:{Port}/ws{query}");

    /// <summary>A client authenticated by <c>?token=</c> whose welcome has been read.</summary>
    public async Task<ChatTestClient> ConnectAsync(string userId, string? name, CancellationToken ct)
    {
        ChatTestClient client = await ChatTestClient.ConnectAsync(Uri("?token=" + TestTokens.Mint(userId, name)), ct);
        await client.ExpectAsync("welcome", ct);
        return client;
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
