using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using WsChat.Net.WebSockets;

namespace WsChat.Benchmarks;

/// <summary>
/// The whole inbound path of one message on the server: header checks, unmasking, UTF-8 validation and
/// (for fragments) reassembly into a pooled buffer. Each operation first restores the masked bytes (the
/// reader unmasks in place), which the numbers include: a copy of the input's size.
/// </summary>
[MemoryDiagnoser]
public class WebSocketReaderBenchmarks
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("""{"type":"message","room":"general","text":"Hello!","ref":"2"}""");

    private readonly FrameWriter _client = new(masked: true);
    private WebSocketReader _reader = new(isServer: true, 64 * 1024, 1024);
    private byte[] _single = [];
    private byte[] _fragmented = [];
    private byte[] _work = [];

    [GlobalSetup]
    public void Setup()
    {
        var output = new ArrayBufferWriter<byte>();
        _client.Write(output, WebSocketOpcode.Text, Message);
        _single = output.WrittenSpan.ToArray();

        output.Clear();
        byte[] text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("chat text with ümlauts € ", 164))[..4096]);
        for (int i = 0; i < 4; i++)
        {
            _client.Write(output, i == 0 ? WebSocketOpcode.Text : WebSocketOpcode.Continuation, text.AsSpan(i * 1024, 1024), fin: i == 3);
        }

        _fragmented = output.WrittenSpan.ToArray();
        _work = new byte[_fragmented.Length];
    }

    /// <summary>A 61-byte chat command in one masked frame: unmasked in place, no copy.</summary>
    [Benchmark(Baseline = true)]
    public int SingleFrameChatMessage()
    {
        _single.CopyTo(_work, 0);
        var input = new ReadOnlySequence<byte>(_work, 0, _single.Length);
        _reader.TryRead(ref input, out WebSocketEvent evt, out _);
        return evt.Payload.Length;
    }

    /// <summary>A 4 KiB text message in four 1 KiB fragments: copied, unmasked and validated into a pooled buffer.</summary>
    [Benchmark]
    public int FragmentedText4KiB()
    {
        _fragmented.CopyTo(_work, 0);
        var input = new ReadOnlySequence<byte>(_work);
        _reader.TryRead(ref input, out WebSocketEvent evt, out _);
        return evt.Payload.Length;
    }
}
