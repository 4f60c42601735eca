using WsChat.Core.Diagnostics;
using WsChat.Net.Diagnostics;

namespace WsChat.Host.Metrics;

/// <summary>What the exporters read: the transport's and the chat's counter blocks, and readiness.
/// Either block may be absent (a host that runs only the transport), and its metrics then read 0.</summary>
internal sealed class MetricsSources
{
    public MetricsSources(TransportMetrics? transport, ChatMetrics? chat, Func<bool>? isReady = null)
    {
        Transport = transport ?? new TransportMetrics();
        Chat = chat ?? new ChatMetrics(1);
        IsReady = isReady ?? (() => true);
    }

    public TransportMetrics Transport { get; }

    public ChatMetrics Chat { get; }

    /// <summary>True while <c>/readyz</c> answers 200.</summary>
    public Func<bool> IsReady { get; }
}
