using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using WsChat.Net.Http;
using WsChat.Tests.Support;

namespace WsChat.Benchmarks;

/// <summary>
/// Parsing a browser's WebSocket upgrade request (Chromium's 12 header fields, 589 bytes) into a reused
/// <see cref="HttpRequestHead"/>, then checking and answering the handshake. Target: 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class RequestHeadParserBenchmarks
{
    private readonly HttpRequestHead _head = new();
    private readonly byte[] _response = new byte[256];
    private ReadOnlySequence<byte> _whole;
    private ReadOnlySequence<byte> _split;

    [GlobalSetup]
    public void Setup()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(BrowserRequests.ChromiumUpgrade);
        _whole = new ReadOnlySequence<byte>(bytes);
        _split = TwoSegments(bytes, bytes.Length / 2);
    }

    /// <summary>The head in one buffer (the usual case: it arrives in one TCP segment).</summary>
    [Benchmark(Baseline = true)]
    public int ParseUpgrade()
    {
        RequestHeadParser.TryParse(_whole, _head, out int length, out _);
        _head.Dispose();
        return length;
    }

    /// <summary>The head split across two segments.</summary>
    [Benchmark]
    public int ParseUpgradeSplit()
    {
        RequestHeadParser.TryParse(_split, _head, out int length, out _);
        _head.Dispose();
        return length;
    }

    /// <summary>Parse, check the handshake (headers, key, Origin), read the token, write the 101 with its SHA-1.</summary>
    [Benchmark]
    public int ParseValidateAndWrite101()
    {
        RequestHeadParser.TryParse(_whole, _head, out _, out _);
        HandshakeResult result = WebSocketHandshake.Validate(_head, OriginPolicy.SameHostOnly);
        _head.TryGetQueryParameter("token"u8, out ReadOnlySpan<byte> token);
        int written = result == HandshakeResult.Accepted ? WebSocketHandshake.WriteSwitchingProtocols(_head, _response) : 0;
        _head.Dispose();
        return written + token.Length;
    }

    internal static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int split)
    {
        var first = new Segment(bytes.AsMemory(0, split), 0);
        var second = new Segment(bytes.AsMemory(split), split);
        first.SetNext(second);
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
