using BenchmarkDotNet.Attributes;
using WsChat.Core.Protocol;

namespace WsChat.Benchmarks;

/// <summary>
/// Parsing one client message of each PROTOCOL.md §3 type with <see cref="ClientMessageReader"/> (messages as
/// in docs/protocol.md), plus a text with escapes (decoded into the thread's scratch) and a refusal.
/// </summary>
[MemoryDiagnoser]
public class ClientMessageReaderBenchmarks
{
    private static readonly byte[] Auth = """{"type":"auth","token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSIsIm5hbWUiOiJhbGljZSIsImV4cCI6MTc2NDA5MDYwMH0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU","ref":"0"}"""u8.ToArray();
    private static readonly byte[] Join = """{"type":"join","room":"general","since":41,"ref":"1"}"""u8.ToArray();
    private static readonly byte[] Leave = """{"type":"leave","room":"general","ref":"3"}"""u8.ToArray();
    private static readonly byte[] Message = """{"type":"message","room":"general","text":"Hello!","ref":"2"}"""u8.ToArray();
    private static readonly byte[] MessageEscaped = """{"type":"message","room":"general","text":"caf\u00e9 \"quoted\"\nline two \ud83d\ude00","ref":"2"}"""u8.ToArray();
    private static readonly byte[] Message1KiB = System.Text.Encoding.UTF8.GetBytes(
        $$"""{"type":"message","room":"general","text":"{{new string('x', 1024)}}","ref":"2"}""");
    private static readonly byte[] Dm = """{"type":"dm","to":"u2","text":"psst","ref":"4"}"""u8.ToArray();
    private static readonly byte[] Typing = """{"type":"typing","room":"general","status":true}"""u8.ToArray();
    private static readonly byte[] ListUsers = """{"type":"list_users","room":"general","ref":"5"}"""u8.ToArray();
    private static readonly byte[] History = """{"type":"history","room":"general","limit":50,"before":1000,"ref":"6"}"""u8.ToArray();
    private static readonly byte[] Ping = """{"type":"ping","ref":"7"}"""u8.ToArray();
    private static readonly byte[] BadRoom = """{"type":"join","room":"no spaces allowed","ref":"8"}"""u8.ToArray();

    [Benchmark(Baseline = true)]
    public bool ParseMessage() => ClientMessageReader.TryRead(Message, out _, out _);

    [Benchmark]
    public bool ParseMessageEscaped() => ClientMessageReader.TryRead(MessageEscaped, out _, out _);

    [Benchmark]
    public bool ParseMessage1KiB() => ClientMessageReader.TryRead(Message1KiB, out _, out _);

    [Benchmark]
    public bool ParseAuth() => ClientMessageReader.TryRead(Auth, out _, out _);

    [Benchmark]
    public bool ParseJoin() => ClientMessageReader.TryRead(Join, out _, out _);

    [Benchmark]
    public bool ParseLeave() => ClientMessageReader.TryRead(Leave, out _, out _);

    [Benchmark]
    public bool ParseDm() => ClientMessageReader.TryRead(Dm, out _, out _);

    [Benchmark]
    public bool ParseTyping() => ClientMessageReader.TryRead(Typing, out _, out _);

    [Benchmark]
    public bool ParseListUsers() => ClientMessageReader.TryRead(ListUsers, out _, out _);

    [Benchmark]
    public bool ParseHistory() => ClientMessageReader.TryRead(History, out _, out _);

    [Benchmark]
    public bool ParsePing() => ClientMessageReader.TryRead(Ping, out _, out _);

    [Benchmark]
    public bool ParseRefusedJoin() => ClientMessageReader.TryRead(BadRoom, out _, out _);
}
