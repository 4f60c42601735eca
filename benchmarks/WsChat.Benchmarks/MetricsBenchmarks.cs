using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using WsChat.Core.Diagnostics;
using WsChat.Core.Protocol;
using WsChat.Net.Diagnostics;

namespace WsChat.Benchmarks;

/// <summary>
/// The cost of counting on the message path: what one chat message adds to its handling through the
/// counters it touches. The design target is 0 B allocated and a few nanoseconds per site.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private readonly TransportMetrics _transport = new();
    private readonly ChatMetrics _chat = new(2);
    private readonly CounterBlock _block = new(4);
    private readonly StripedCounters _striped = new(4);
    private ShardMetrics _shard = null!;
    private long _receivedAt;

    [GlobalSetup]
    public void Setup()
    {
        _shard = _chat.Shard(1);
        _receivedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>A shard-owned counter: a plain add.</summary>
    [Benchmark(Baseline = true)]
    public void ShardOwnedIncrement() => _block.Increment(1);

    /// <summary>A counter written from many threads: per-processor stripe, interlocked add.</summary>
    [Benchmark]
    public void StripedIncrement() => _striped.Increment(1);

    /// <summary>Every count one room message causes, from its bytes arriving to its fan-out to 100 members:
    /// bytes in, received by type, the shard's fan-out (room messages, deliveries, latency histogram with
    /// a Stopwatch read), bytes out once per member's send.</summary>
    [Benchmark]
    public void PerRoomMessage()
    {
        _transport.BytesReceived(80);
        _chat.MessageReceived(CommandType.Message);
        _shard.RoomMessageFannedOut(100, _receivedAt);
        for (int i = 0; i < 100; i++) _transport.BytesSent(120);
    }

    /// <summary>The rarer sites: an error sent, a rate-limit refusal, a storage batch.</summary>
    [Benchmark]
    public void ErrorRateLimitAndBatch()
    {
        _chat.Error(ErrorCode.RateLimited);
        _chat.RateLimited(RateLimitBucket.User);
        _chat.Storage.BatchCommitted(64, TimeSpan.FromTicks(12_345));
    }
}
