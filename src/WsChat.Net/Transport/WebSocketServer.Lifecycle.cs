using WsChat.Net.Buffers;
using WsChat.Net.WebSockets;

namespace WsChat.Net.Transport;

public sealed partial class WebSocketServer
{
    /// <summary>
    /// Graceful stop (PROTOCOL.md §5): new upgrades are refused with 503 (plain HTTP such as <c>/readyz</c> keeps
    /// answering, so a load balancer sees the drain), every open WebSocket gets a close frame 1001 "server
    /// shutting down", and the server waits up to <see cref="WebSocketServerOptions.DrainTimeout"/> for their close
    /// replies. Then the listener closes and remaining connections are closed at once. Thread-safe; a second call
    /// waits for the first.
    /// </summary>
    /// <param name="cancellationToken">Cuts the wait short (the remaining connections are then closed at once).</param>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        int previous = Interlocked.CompareExchange(ref _state, (int)WebSocketServerState.Draining, (int)WebSocketServerState.Running);
        if (previous == (int)WebSocketServerState.Starting)
        {
            Volatile.Write(ref _state, (int)WebSocketServerState.Stopped);
            return;
        }

        if (previous != (int)WebSocketServerState.Running)
        {
            await Task.WhenAll(_acceptLoop, _timerLoop).ConfigureAwait(false);
            return;
        }

        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _drained, drained);
        Log.Draining(Logger, WebSocketCount, Options.DrainTimeout);
        ForEachConnection(static c => c.StartClose(WebSocketCloseCode.GoingAway, "server shutting down", fail: false));
        if (WebSocketCount == 0) drained.TrySetResult();

        try
        {
            await drained.Task.WaitAsync(Options.DrainTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Peers that did not answer in time are closed below.
        }

        Log.Drained(Logger, WebSocketCount);
        await StopAsync().ConfigureAwait(false);
    }

    /// <summary>Stops at once: closes the listener and every connection without a close handshake. Prefer
    /// <see cref="DrainAsync"/>. Idempotent and thread-safe.</summary>
    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _state, (int)WebSocketServerState.Draining);
        await StopAsync().ConfigureAwait(false);
    }

    private async Task StopAsync()
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync().ConfigureAwait(false);
        _epollListener?.Close();   // before the socket's fd is closed (and its number reused)
        _listener?.Dispose();
        ForEachConnection(static c => c.Abort());
        await Task.WhenAll(_acceptLoop, _timerLoop).ConfigureAwait(false);
        // Connection loops end as their aborted sockets fail; give them a moment so OnClose runs before we return.
        for (int i = 0; i < 100 && ConnectionCount > 0; i++) await Task.Delay(10).ConfigureAwait(false);
        Volatile.Write(ref _state, (int)WebSocketServerState.Stopped);
    }

    private void ForEachConnection(Action<WebSocketConnection> action)
    {
        int highWater = Connections.HighWater;
        for (int i = 0; i < highWater; i++)
        {
            WebSocketConnection? connection = Volatile.Read(ref Connections[i].Connection);
            if (connection is not null) action(connection);
        }
    }

    /// <summary>
    /// The one timer of all connections: each tick checks every slot's deadline (head timeout, close timeout), and
    /// the heartbeat of one slice of the slots, so that a full pass over the table takes half a heartbeat interval
    /// and pings spread evenly over it (DESIGN.md: pinging everyone in one burst stalls the server).
    /// </summary>
    private async Task TimerLoopAsync()
    {
        using var timer = new PeriodicTimer(Options.TimerResolution);
        long intervalMs = (long)Options.HeartbeatInterval.TotalMilliseconds;
        long tickMs = Math.Max(1, (long)Options.TimerResolution.TotalMilliseconds);
        long ticksPerPass = Math.Max(1, intervalMs / 2 / tickMs);
        int heartbeatCursor = 0;
        long nextRingTrim = Environment.TickCount64 + (long)FrameRingPool.TrimInterval.TotalMilliseconds;
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    long now = Environment.TickCount64;
                    heartbeatCursor = Tick(now, intervalMs, ticksPerPass, heartbeatCursor);
                    if (now >= nextRingTrim)
                    {
                        // What a burst of broadcasts (or of reads) left in the ring, frame and receive-state pools goes back to the GC.
                        FrameRingPool.Trim();
                        SharedFrame.TrimPool();
                        ReceiveState.Trim();
                        nextRingTrim = now + (long)FrameRingPool.TrimInterval.TotalMilliseconds;
                    }
                }
                catch (Exception e)
                {
                    Log.TimerFailed(Logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>One timer tick; returns the heartbeat cursor for the next one.</summary>
    internal int Tick(long now, long heartbeatIntervalMs, long ticksPerPass, int heartbeatCursor)
    {
        int highWater = Connections.HighWater;
        for (int i = 0; i < highWater; i++)
        {
            ref ConnectionSlot slot = ref Connections[i];
            long deadline = Volatile.Read(ref slot.Deadline);
            if (deadline == 0 || now < deadline) continue;
            WebSocketConnection? connection = Volatile.Read(ref slot.Connection);
            if (connection is null) continue;
            Volatile.Write(ref slot.Deadline, 0);
            connection.OnDeadline();
        }

        if (heartbeatIntervalMs <= 0 || highWater == 0) return 0;
        int slice = (int)Math.Max(1, (highWater + ticksPerPass - 1) / ticksPerPass);
        if (heartbeatCursor >= highWater) heartbeatCursor = 0;
        int end = Math.Min(highWater, heartbeatCursor + slice);
        for (int i = heartbeatCursor; i < end; i++)
        {
            ref ConnectionSlot slot = ref Connections[i];
            WebSocketConnection? connection = Volatile.Read(ref slot.Connection);
            connection?.OnHeartbeat(ref slot, now, heartbeatIntervalMs);
        }

        return end;
    }
}
