using BenchmarkDotNet.Attributes;
using WsChat.Net.WebSockets;

namespace WsChat.Benchmarks;

/// <summary>Unmasking a payload in place: the vectorised <see cref="Masking"/> against a byte-at-a-time loop.</summary>
[MemoryDiagnoser]
public class MaskingBenchmarks
{
    private const uint Mask = 0x3D21FA37;   // the key of RFC 6455 §5.7, as Masking loads it
    private byte[] _data = [];

    /// <summary>125 B: the largest control frame and a typical chat message; 4 KiB; 64 KiB: the /ws message limit.</summary>
    [Params(125, 4096, 65536)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(Size).NextBytes(_data);
    }

    [Benchmark(Baseline = true)]
    public byte Scalar()
    {
        byte[] data = _data;
        for (int i = 0; i < data.Length; i++) data[i] ^= (byte)(Mask >> ((i & 3) * 8));
        return data[0];
    }

    [Benchmark]
    public uint Vectorised() => Masking.Apply(_data, Mask);
}
