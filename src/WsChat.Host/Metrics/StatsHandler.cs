using System.Buffers;
using System.Text;
using WsChat.Core.Diagnostics;
using WsChat.Net.Transport;

namespace WsChat.Host.Metrics;

/// <summary><c>/stats</c>: the JSON document of <see cref="StatsWriter"/> (<c>?top=N</c>, 1-100, sizes the room lists).</summary>
/// <remarks>
/// The rooms are read by each shard on its own loop (<see cref="IChatStatsSource"/>); the handler waits for the
/// shards' answers up to <see cref="ShardTimeout"/> (they answer between two commands, microseconds apart), and
/// writes the document without rooms when they do not answer in time.
/// </remarks>
internal sealed class StatsHandler(MetricsSources sources, IChatStatsSource? chat, TimeProvider time) : IHttpHandler
{
    /// <summary>How long a request waits for the shards before answering without rooms.</summary>
    public static readonly TimeSpan ShardTimeout = TimeSpan.FromSeconds(2);

    private readonly RoomRateTracker _rates = new(time);
    private readonly long _started = time.GetTimestamp();

    public HttpResponse Handle(HttpRequest request)
    {
        int top = StatsWriter.DefaultTop;
        if (request.GetQueryParameter("top") is { } value && int.TryParse(value, out int asked)) top = asked;
        ChatStatsSnapshot snapshot = Capture();
        double[] rates = _rates.Update(snapshot.Rooms);
        var buffer = new ArrayBufferWriter<byte>(4096);
        StatsWriter.Write(buffer, sources, snapshot, rates, time.GetUtcNow(), time.GetElapsedTime(_started), top);
        return new HttpResponse(200, buffer.WrittenMemory, "application/json; charset=utf-8");
    }

    private ChatStatsSnapshot Capture()
    {
        if (chat is null) return new ChatStatsSnapshot();
        try
        {
            using var cts = new CancellationTokenSource(ShardTimeout);
            // Shards run on threads of their own, never on the thread pool: waiting here cannot deadlock them.
            return chat.CaptureStatsAsync(cts.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return new ChatStatsSnapshot();
        }
    }
}
