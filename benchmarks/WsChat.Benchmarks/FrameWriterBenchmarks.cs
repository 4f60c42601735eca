using System.Text;
using BenchmarkDotNet.Attributes;
using WsChat.Net.WebSockets;

namespace WsChat.Benchmarks;

/// <summary>Writing frames: a server chat message (unmasked), a client one (masked with a fresh key), a close.</summary>
[MemoryDiagnoser]
public class FrameWriterBenchmarks
{
    private static readonly byte[] ChatMessage = Encoding.UTF8.GetBytes(
        """{"type":"message","room":"general","id":42,"from":"alice","from_id":"u1","text":"Hello!","timestamp":1764087000000}""");

    private readonly FrameWriter _client = new(masked: true);
    private readonly byte[] _buffer = new byte[8192];
    private readonly byte[] _large = new byte[4096];

    [Benchmark(Baseline = true)]
    public int ServerMessage() => FrameWriter.Server.Write(_buffer, WebSocketOpcode.Text, ChatMessage);

    [Benchmark]
    public int ServerMessage4KiB() => FrameWriter.Server.Write(_buffer, WebSocketOpcode.Binary, _large);

    [Benchmark]
    public int ClientMessage() => _client.Write(_buffer, WebSocketOpcode.Text, ChatMessage);

    [Benchmark]
    public int ClientMessage4KiB() => _client.Write(_buffer, WebSocketOpcode.Binary, _large);

    [Benchmark]
    public int ServerClose() => FrameWriter.Server.WriteClose(_buffer, WebSocketCloseCode.PolicyViolation, "slow consumer");
}
