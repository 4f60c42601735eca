using System.Text;
using System.Text.Json;
using WsChat.Core;
using WsChat.Core.Sessions;

namespace WsChat.Tests.Support;

/// <summary>
/// A chat engine without sockets or threads: fake connections, a manual clock, and shards run on
/// the test's thread after every message (Client.Send), so every test is deterministic.
/// </summary>
internal sealed class ChatHarness : IDisposable
{
    private long _nextId;

    public ChatHarness(ChatServerOptions? options = null)
    {
        // Rate limits out of the way unless a test is about them (it passes its own options).
        Options = options ?? new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 4, UserRatePerSecond = 1e6, UserRateBurst = 1_000_000 };
        Engine = new ChatEngine(Options, Time, startThreads: false);
    }

    public ManualTimeProvider Time { get; } = new();

    public ChatServerOptions Options { get; }

    public ChatEngine Engine { get; }

    /// <summary>Opens an unauthenticated connection.</summary>
    public Client Open()
    {
        var connection = new FakeChatConnection(++_nextId);
        return new Client(this, connection, Engine.Open(connection, null));
    }

    /// <summary>Opens a connection authenticated as <paramref name="userId"/> and consumes its welcome.</summary>
    public Client Connect(string userId, string? name = null)
    {
        var connection = new FakeChatConnection(++_nextId);
        var identity = new TokenIdentity(userId, name ?? userId, Time.NowMs + 3_600_000);
        var client = new Client(this, connection, Engine.Open(connection, identity));
        if (connection.CloseCode is null)
        {
            JsonElement welcome = connection.Single();
            Assert.That(welcome.GetProperty("type").GetString(), Is.EqualTo("welcome"));
        }

        return client;
    }

    /// <summary>
    /// Runs the shards on this thread until <paramref name="until"/> holds. Storage reads and commits and backplane
    /// answers finish on other threads and come back through the shards' queues, so one <see cref="ChatEngine.RunShards"/>
    /// may not be enough. Fails the test after 20 s (a generous bound for a loaded machine, never a speed check).
    /// </summary>
    public void RunShardsUntil(Func<bool> until)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            Engine.RunShards();
            if (until()) return;
            if (DateTime.UtcNow > deadline) Assert.Fail("timed out waiting for the chat");
            Thread.Sleep(2);
        }
    }

    /// <summary>Moves the manual clock on and fires the timers that fell due (auth timeout, token expiry), as a shard loop would.</summary>
    public void AdvanceTime(TimeSpan by)
    {
        Time.Advance(by);
        Engine.Timers.Advance();
    }

    public string Token(string sub, string? name = null, TimeSpan? lifetime = null) =>
        TestTokens.Mint(sub, name, Time.GetUtcNow() + (lifetime ?? TimeSpan.FromHours(1)), now: Time.GetUtcNow());

    public void Dispose() => Engine.Dispose();

    internal sealed class Client(ChatHarness harness, FakeChatConnection connection, ChatSession session)
    {
        public FakeChatConnection Connection { get; } = connection;

        public ChatSession Session { get; } = session;

        /// <summary>Sends one client message and runs the shards until they are idle.</summary>
        public void Send(string json)
        {
            harness.Engine.Receive(Session, Encoding.UTF8.GetBytes(json));
            harness.Engine.RunShards();
        }

        public void Join(string room, long? since = null)
        {
            Send(since is null ? $$"""{"type":"join","room":"{{room}}"}""" : $$"""{"type":"join","room":"{{room}}","since":{{since}}}""");
        }

        public void Say(string room, string text, string? clientRef = null) =>
            Send(clientRef is null
                ? JsonSerializer.Serialize(new { type = "message", room, text })
                : JsonSerializer.Serialize(new { type = "message", room, text, @ref = clientRef }));

        public void Disconnect()
        {
            harness.Engine.Closed(Session);
            harness.Engine.RunShards();
        }

        public List<JsonElement> Take() => Connection.Take();

        public JsonElement Single() => Connection.Single();
    }
}
