using BenchmarkDotNet.Attributes;
using WsChat.Core;
using WsChat.Core.Ports;
using WsChat.Core.Sessions;
using WsChat.Net.Buffers;
using WsChat.Net.WebSockets;

namespace WsChat.Benchmarks;

/// <summary>
/// One room message through the chat, synchronously on the benchmark's thread: the read path (parse, auth and
/// rate checks, queue to the room's shard) and the shard (id, ring, one encoding, one reference queued to every
/// member). Members are counting connections that release each frame as a transport does once it is sent, so
/// this measures the chat, not sockets. Steady state: 0 B allocated per message.
/// </summary>
[MemoryDiagnoser]
public class FanOutBenchmarks
{
    private static readonly byte[] Message = """{"type":"message","room":"general","text":"Hello, this is a chat message of ordinary length!","ref":"2"}"""u8.ToArray();
    private static readonly byte[] Typing = """{"type":"typing","room":"general","status":true}"""u8.ToArray();

    private ChatEngine _engine = null!;
    private ChatSession _sender = null!;

    [Params(10, 100, 1000)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _engine = new ChatEngine(new ChatServerOptions
        {
            JwtSecret = "benchmark-secret-0123456789abcdefghijklmnop",
            ShardCount = 2,
            UserRatePerSecond = 1e12, UserRateBurst = int.MaxValue,
            ConnectionRatePerSecond = 1e12, ConnectionRateBurst = int.MaxValue,
        }, startThreads: false);
        for (int i = 0; i < Members; i++)
        {
            TokenIdentity? identity = new TokenIdentity("user" + i, "User " + i, long.MaxValue);
            ChatSession session = _engine.Open(new CountingConnection(i + 1), in identity);
            _engine.Receive(session, """{"type":"join","room":"general"}"""u8);
            _sender ??= session;
        }

        _engine.RunShards();
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.Dispose();

    [Benchmark(Baseline = true)]
    public int RoomMessage()
    {
        _engine.Receive(_sender, Message);
        return _engine.RunShards();
    }

    [Benchmark]
    public int TypingIndicator()
    {
        _engine.Receive(_sender, Typing);
        return _engine.RunShards();
    }

    private sealed class CountingConnection(long id) : IChatConnection
    {
        public long Id { get; } = id;

        public long Frames { get; private set; }

        public bool TrySend(SharedFrame frame)
        {
            Frames++;
            frame.Release();
            return true;
        }

        public void Close(WebSocketCloseCode code, string reason)
        {
        }
    }
}
