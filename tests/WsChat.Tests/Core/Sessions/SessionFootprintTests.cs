using WsChat.Core;
using WsChat.Core.Ports;
using WsChat.Core.Sessions;
using WsChat.Net.Buffers;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Sessions;

/// <summary>
/// What the chat keeps per idle, authenticated connection that joined a room (issue 5: 1 KB per connection in
/// all, of which System.Net.Sockets takes ~0.96 KB and the transport ~0.38 KB): the session, the user, the room
/// membership and the shard's bookkeeping. Measured as retained managed bytes (GC.GetTotalMemory after a full
/// collection), never time; the connection port is a bare object so that only the chat's share is counted.
/// </summary>
[NonParallelizable]
public class SessionFootprintTests
{
    private const int Connections = 2000;

    [Test]
    public void IdleJoinedConnection_ChatState_StaysUnderBudget()
    {
        using var engine = new ChatEngine(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 2 }, new ManualTimeProvider(), startThreads: false);
        // What a token gives the engine: the sub and the name as separate strings (here equal, as from the loadgen).
        TokenIdentity[] identities = Enumerable.Range(0, Connections + 100)
            .Select(i => new TokenIdentity("u" + i, "u" + i, DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds())).ToArray();
        var ports = Enumerable.Range(0, Connections + 100).Select(i => new BarePort(i + 1)).ToArray();
        byte[][] joins = Enumerable.Range(0, 20).Select(r => System.Text.Encoding.UTF8.GetBytes($$"""{"type":"join","room":"r{{r}}"}""")).ToArray();
        var sessions = new List<ChatSession>(Connections + 100);

        // Warm-up: the rooms exist, the frame pool and the shards' tables have their first chunks.
        for (int i = Connections; i < Connections + 100; i++) sessions.Add(OpenAndJoin(engine, ports[i], identities[i], joins[i % joins.Length]));
        long before = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < Connections; i++) sessions.Add(OpenAndJoin(engine, ports[i], identities[i], joins[i % joins.Length]));
        long perConnection = (GC.GetTotalMemory(forceFullCollection: true) - before) / Connections;

        TestContext.Out.WriteLine($"chat state retained per idle joined connection: {perConnection} B");
        Assert.That(sessions.All(s => s.IsAuthenticated && s.RoomCount == 1), "every connection authenticated and joined");
        Assert.That(perConnection, Is.LessThan(1024));
        GC.KeepAlive(sessions);
        GC.KeepAlive(ports);
    }

    private static ChatSession OpenAndJoin(ChatEngine engine, BarePort port, TokenIdentity identity, byte[] join)
    {
        ChatSession session = engine.Open(port, identity);
        engine.Receive(session, join);
        engine.RunShards();
        return session;
    }

    /// <summary>A connection that keeps nothing: frames are released as a transport does once sent.</summary>
    private sealed class BarePort(long id) : IChatConnection
    {
        public long Id { get; } = id;

        public bool TrySend(SharedFrame frame)
        {
            frame.Release();
            return true;
        }

        public void Close(WebSocketCloseCode code, string reason) => throw new InvalidOperationException($"closed: {code} {reason}");
    }
}
