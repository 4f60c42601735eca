using WsChat.Core.Diagnostics;
using WsChat.Core.Ports;

namespace WsChat.Core.Storage;

/// <summary>
/// <c>/readyz</c>'s "storage" condition: not ready from a failed commit until storage answers again, so a load
/// balancer sends new clients elsewhere while this node could only answer <c>server_busy</c>.
/// </summary>
/// <remarks>
/// A node that is not ready gets no new clients, and may get no messages to commit: so while not ready, reading
/// the check starts (at most once per <see cref="ProbeInterval"/>, never waiting for it) a cheap read of storage;
/// when it succeeds the node is ready again. A read proves storage reachable, not writable (a SQLite write lock
/// held elsewhere lets reads through): then the next failed commit makes the node not ready again.
/// </remarks>
internal sealed class StorageReadinessCheck(MessageBatcher batcher, IMessageStore store, TimeProvider? time = null) : IReadinessCheck
{
    /// <summary>Least time between two probes. 1 s: /readyz is polled every few seconds by load balancers.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    private static readonly ConversationKey ProbeKey = ConversationKey.Room("wschat.readiness");
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _healthyAtFailures = -1;      // FailedBatches when a probe last succeeded
    private long _lastProbe;
    private int _probing;

    public string Name => "storage";

    public bool IsReady
    {
        get
        {
            long failures = batcher.FailedBatches;
            if (batcher.IsHealthy || Interlocked.Read(ref _healthyAtFailures) == failures) return true;
            StartProbe(failures);
            return false;
        }
    }

    private void StartProbe(long failures)
    {
        long now = _time.GetTimestamp();
        if (_time.GetElapsedTime(Interlocked.Read(ref _lastProbe), now) < ProbeInterval && Interlocked.Read(ref _lastProbe) != 0) return;
        if (Interlocked.CompareExchange(ref _probing, 1, 0) != 0) return;
        Interlocked.Exchange(ref _lastProbe, now);
        _ = ProbeAsync(failures);
    }

    private async Task ProbeAsync(long failures)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await store.GetLastIdAsync(ProbeKey, timeout.Token).ConfigureAwait(false);
            Interlocked.Exchange(ref _healthyAtFailures, failures);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Still unreachable: stay not ready; the next read of the check probes again.
        }
        finally
        {
            Volatile.Write(ref _probing, 0);
        }
    }
}
