using System.Diagnostics;
using WsChat.LoadGen.Connections;
using WsChat.LoadGen.Options;

namespace WsChat.LoadGen.Workers;

internal sealed partial class LoadNode
{
    // The pacing loop wakes about every millisecond and sends what the rate owes since the last wake;
    // after a stall it sends at most 100 ms worth at once rather than a burst that hides the stall.
    private const double MaxCatchUpSeconds = 0.1;
    private const int HistoryPageSize = 50;

    // The pacing loop has a thread of its own that sleeps 1 ms at a time: as Task.Delay(1) ticks it cost the timer
    // thread and a thread-pool wake-up per millisecond, a quarter of the loadgen's CPU in a 25,000 deliveries/s fanout
    // (docs/benchmarks.md "(loadgen, issue 5)"). Sends that complete synchronously (every --client epoll send) never
    // leave the thread; one that waits blocks it, and a loadgen that falls behind shows as a lower sent rate.
    private Task StartDriver(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Drive(cancellationToken);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        { IsBackground = true, Name = "loadgen pacing" };
        thread.UnsafeStart();
        return done.Task;
    }

    private void Drive(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[Requests.Overhead + _options.MessageSize];
        double owed = 0;
        long last = Stopwatch.GetTimestamp();
        int next = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Thread.Sleep(1);
                long now = Stopwatch.GetTimestamp();
                double rate = Volatile.Read(ref _rate);
                owed = Math.Min(owed + rate * Stopwatch.GetElapsedTime(last, now).TotalSeconds, Math.Max(1, rate * MaxCatchUpSeconds));
                last = now;
                if (rate <= 0)
                {
                    owed = 0;
                    continue;
                }

                for (; owed >= 1 && !cancellationToken.IsCancellationRequested; owed--)
                {
                    if (_options.Scenario == ScenarioKind.Churn)
                    {
                        StartCycle();
                        continue;
                    }

                    if (_senders.Count == 0) break;
                    ChatSession sender = _senders[next];
                    next = (next + 1) % _senders.Count;
                    Task send = SendOneAsync(sender, buffer, cancellationToken);
                    if (!send.IsCompleted) send.GetAwaiter().GetResult();   // wschat/bcl clients: a send that had to wait
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendOneAsync(ChatSession sender, byte[] buffer, CancellationToken cancellationToken)
    {
        if (!sender.Open) return;
        long reference = Interlocked.Increment(ref _nextRef);
        int length;
        switch (_options.Scenario)
        {
            case ScenarioKind.Fanout:
                length = Requests.Message(buffer, sender.Room, reference, _options.MessageSize, ChatSession.Now());
                break;
            case ScenarioKind.Dm:
                length = Requests.Dm(buffer, sender.Index ^ 1, reference, _options.MessageSize, ChatSession.Now());
                break;
            case ScenarioKind.History:
                if (sender.PendingSince != 0) return; // one request in flight per connection
                sender.PendingSince = ChatSession.Now();
                length = Requests.History(buffer, sender.Room, sender.NextBefore, HistoryPageSize, reference);
                break;
            default:
                return;
        }

        try
        {
            await sender.Socket!.SendTextAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _counters.Sent);
        }
        catch (Exception ex) when (ex is IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            Interlocked.Increment(ref _counters.Errors);
            _failures.AddOrUpdate("send: " + Reason(ex), 1, (_, n) => n + 1);
        }
    }

    // History needs something to read: the first connection of each room sends enough messages to fill
    // the server's ring (100 per room in PROTOCOL.md's design) before the measurement starts.
    private async Task PrefillAsync(CancellationToken cancellationToken)
    {
        const int PerRoom = 100;
        var firstOfRoom = _sessions.Where(s => s.Open && s.Index < _options.Rooms).ToList();
        await Parallel.ForEachAsync(firstOfRoom, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (s, ct) =>
        {
            byte[] buffer = new byte[Requests.Overhead + _options.MessageSize];
            for (int n = 0; n < PerRoom; n++)
            {
                long reference = Interlocked.Increment(ref _nextRef);
                Task<InboundMessage> ack = s.Expect(InboundType.Ack, reference);
                int length = Requests.Message(buffer, s.Room, reference, _options.MessageSize, ChatSession.Now());
                await s.Socket!.SendTextAsync(buffer.AsMemory(0, length), ct).ConfigureAwait(false);
                InboundMessage reply = await ack.WaitAsync(ReplyTimeout, ct).ConfigureAwait(false);
                if (reply.Error == ErrorKind.RateLimited)
                {
                    n--;
                    await Task.Delay(200, ct).ConfigureAwait(false); // PROTOCOL.md §5: 20/s per user by default
                }
            }
        }).ConfigureAwait(false);
    }

    private void StartCycle()
    {
        int index = Interlocked.Add(ref _nextChurnIndex, _options.WorkerCount);
        Interlocked.Increment(ref _inFlightCycles);
        _ = Task.Run(async () =>
        {
            try
            {
                await CycleAsync(index, _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _counters.CyclesDone);
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested || ex is not OperationCanceledException)
            {
                Interlocked.Increment(ref _counters.CyclesFailed);
                _failures.AddOrUpdate("churn: " + Reason(ex), 1, (_, n) => n + 1);
            }
            catch (OperationCanceledException)
            {
                // The run ended while this cycle was in flight; it is neither done nor failed.
            }
            finally
            {
                Interlocked.Decrement(ref _inFlightCycles);
            }
        });
    }

    // churn: connect and authenticate (welcome), join, send one message (ack), leave (left), close.
    private async Task CycleAsync(int index, CancellationToken cancellationToken)
    {
        var session = new ChatSession(index, index % _options.Rooms, _counters);
        try
        {
            await OpenAsync(session, cancellationToken).ConfigureAwait(false);
            await JoinAsync(session, cancellationToken).ConfigureAwait(false);
            byte[] buffer = new byte[Requests.Overhead + _options.MessageSize];

            long reference = Interlocked.Increment(ref _nextRef);
            Task<InboundMessage> ack = session.Expect(InboundType.Ack, reference);
            int length = Requests.Message(buffer, session.Room, reference, _options.MessageSize, ChatSession.Now());
            await session.Socket!.SendTextAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _counters.Sent);
            InboundMessage reply = await ack.WaitAsync(ReplyTimeout, cancellationToken).ConfigureAwait(false);
            if (reply.Type != InboundType.Ack) throw new InvalidOperationException($"message refused: {reply.Error}");

            reference = Interlocked.Increment(ref _nextRef);
            Task<InboundMessage> left = session.Expect(InboundType.Left, reference);
            length = Requests.Leave(buffer, session.Room, reference);
            await session.Socket.SendTextAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            reply = await left.WaitAsync(ReplyTimeout, cancellationToken).ConfigureAwait(false);
            if (reply.Type != InboundType.Left) throw new InvalidOperationException($"leave refused: {reply.Error}");

            session.Open = false;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await session.Socket.CloseAsync(timeout.Token).ConfigureAwait(false);
            await session.ReceiveLoop!.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            session.Open = false;
            if (session.Socket is not null) await session.Socket.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task WaitForCyclesAsync(CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (Volatile.Read(ref _inFlightCycles) > 0 && waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }
}
