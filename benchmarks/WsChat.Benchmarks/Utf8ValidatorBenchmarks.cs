using System.Text;
using System.Text.Unicode;
using BenchmarkDotNet.Attributes;
using WsChat.Net.WebSockets;

namespace WsChat.Benchmarks;

/// <summary>
/// Validating 4 KiB of text: in one piece, in 7 pieces cut inside code points (fragments, TCP segments),
/// against the framework's one-shot <see cref="Utf8.IsValid"/>.
/// </summary>
[MemoryDiagnoser]
public class Utf8ValidatorBenchmarks
{
    private byte[] _text = [];
    private int[] _cuts = [];

    /// <summary>Ascii: JSON chat traffic. Mixed: ~40% of the bytes in 2-, 3- and 4-byte code points.</summary>
    [Params("Ascii", "Mixed")]
    public string Text { get; set; } = "Ascii";

    [GlobalSetup]
    public void Setup()
    {
        string unit = Text == "Ascii"
            ? """{"type":"message","room":"general","text":"Hello, how are you all doing today?","ref":"42"}"""
            : """{"type":"message","room":"général","text":"Grüße aus Köln — 日本語のテキスト 🙂 ça va ?","ref":"42"}""";
        var sb = new StringBuilder();
        while (Encoding.UTF8.GetByteCount(sb.ToString()) < 4096) sb.Append(unit);
        _text = Encoding.UTF8.GetBytes(sb.ToString());
        _cuts = [.. Enumerable.Range(1, 6).Select(i => i * _text.Length / 7)];
    }

    [Benchmark(Baseline = true)]
    public bool FrameworkIsValid() => Utf8.IsValid(_text);

    [Benchmark]
    public bool Whole()
    {
        var validator = new Utf8Validator();
        return validator.TryAppend(_text) && validator.IsComplete;
    }

    [Benchmark]
    public bool SevenPieces()
    {
        var validator = new Utf8Validator();
        int start = 0;
        foreach (int cut in _cuts)
        {
            if (!validator.TryAppend(_text.AsSpan(start, cut - start))) return false;
            start = cut;
        }

        return validator.TryAppend(_text.AsSpan(start)) && validator.IsComplete;
    }
}
