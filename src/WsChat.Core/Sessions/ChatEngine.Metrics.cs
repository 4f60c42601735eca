using WsChat.Core.Diagnostics;

namespace WsChat.Core.Sessions;

internal sealed partial class ChatEngine
{
    private ChatMetrics? _metrics;

    /// <summary>The chat's counters (Host: /metrics, /stats, the WsChat Meter).</summary>
    /// <remarks>Created on first use, which is the constructor's (each shard takes its block there), so before any
    /// other thread can see the engine. Users and their connections are read from <see cref="Users"/> at scrape time.</remarks>
    public ChatMetrics Metrics => _metrics ??= CreateMetrics();

    private ChatMetrics CreateMetrics()
    {
        var metrics = new ChatMetrics(Options.ShardCount);
        metrics.ObserveUsers(() => Users.Count, () => Users.ConnectionCount);
        return metrics;
    }
}
