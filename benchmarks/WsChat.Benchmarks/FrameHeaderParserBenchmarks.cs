using BenchmarkDotNet.Attributes;
using WsChat.Net.WebSockets;

namespace WsChat.Benchmarks;

/// <summary>Parsing and checking one client frame header (every RFC 6455 §5.2 rule). Target: a few ns, 0 B.</summary>
[MemoryDiagnoser]
public class FrameHeaderParserBenchmarks
{
    // A masked text frame of 60 bytes (a chat command), of 4 KiB (16-bit length) and of 64 KiB (64-bit length).
    private readonly byte[] _small = [0x81, 0xBC, 0x37, 0xFA, 0x21, 0x3D];
    private readonly byte[] _medium = [0x81, 0xFE, 0x10, 0x00, 0x37, 0xFA, 0x21, 0x3D];
    private readonly byte[] _large = [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 0x37, 0xFA, 0x21, 0x3D];

    [Benchmark(Baseline = true)]
    public long SmallFrame()
    {
        FrameHeaderParser.TryRead(_small, requireMask: true, out FrameHeader header, out _);
        return header.PayloadLength;
    }

    [Benchmark]
    public long Length16()
    {
        FrameHeaderParser.TryRead(_medium, requireMask: true, out FrameHeader header, out _);
        return header.PayloadLength;
    }

    [Benchmark]
    public long Length64()
    {
        FrameHeaderParser.TryRead(_large, requireMask: true, out FrameHeader header, out _, maxPayloadLength: 16 << 20);
        return header.PayloadLength;
    }
}
