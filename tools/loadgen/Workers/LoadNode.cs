using System.Collections.Concurrent;
using System.Diagnostics;
using WsChat.LoadGen.Connections;
using WsChat.LoadGen.Metrics;
using WsChat.LoadGen.Options;

namespace WsChat.LoadGen.Workers;

/// <summary>
/// The connections one process holds and drives: connection i belongs to worker (i / 2) mod W, so a
/// dm pair (2k, 2k+1) always lives in one process. The coordinator tells it the rate; it reports counters.
/// </summary>
internal sealed partial class LoadNode : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);
    private readonly LoadOptions _options;
    private readonly ILoadSocketFactory _factory;
    private readonly Identity _identity;
    private readonly NodeCounters _counters;
    private readonly List<ChatSession> _sessions = [];
    private readonly List<ChatSession> _senders = [];
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private readonly CancellationTokenSource _stop = new();        // everything: receive loops, churn cycles
    private readonly CancellationTokenSource _driverStop = new();  // the pacing loop only
    private readonly LatencyRecorder _handshakeAll = new();
    private HdrHistogram.HistogramBase? _handshakeTotal;
    private Task? _driver;
    private double _rate;
    // Refs start at a random point of a 2^52 range, not at 1: the server deduplicates (user, ref) for 2 minutes
    // (PROTOCOL.md §5), and the same user ids sending ref 1, 2, 3... again in the next run (or the warm-up run
    // just before) would be acked with the earlier run's ids and not fanned out, showing up as "lost".
    private long _nextRef = Random.Shared.NextInt64(1, 1L << 52);
    private int _inFlightCycles;
    private int _nextChurnIndex;

    public LoadNode(LoadOptions options, ILoadSocketFactory factory)
    {
        _options = options;
        _factory = factory;
        _identity = new Identity(options.Urls.Count > 0 ? options.Urls : [options.Url], options.Secret);
        _counters = new NodeCounters(options.Rooms);
        _nextChurnIndex = options.Connections + Math.Max(0, options.WorkerIndex);
    }

    private bool Owns(int index) => (index / 2) % _options.WorkerCount == Math.Max(0, _options.WorkerIndex);

    /// <summary>Opens, authenticates and joins every connection this node owns.</summary>
    public async Task<SetupReport> SetupAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        for (int i = 0; i < _options.Connections; i++)
        {
            if (!Owns(i)) continue;
            var session = new ChatSession(i, i % _options.Rooms, _counters);
            _sessions.Add(session);
            if (i < _options.EffectiveSenders) _senders.Add(session);
        }

        int failed = 0;
        await Parallel.ForEachAsync(_sessions, new ParallelOptions { MaxDegreeOfParallelism = _options.ConnectConcurrency, CancellationToken = cancellationToken },
            async (session, ct) =>
            {
                try
                {
                    await OpenAsync(session, ct).ConfigureAwait(false);
                    await JoinAsync(session, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.Increment(ref _counters.ConnectFailures);
                    _failures.AddOrUpdate(Reason(ex), 1, (_, n) => n + 1);
                    session.Open = false;
                }
            }).ConfigureAwait(false);

        _senders.RemoveAll(s => !s.Open);
        if (_options.Scenario == ScenarioKind.History) await PrefillAsync(cancellationToken).ConfigureAwait(false);
        _handshakeTotal = _handshakeAll.TakeInterval();
        _driver = _options.Scenario == ScenarioKind.Idle ? Task.CompletedTask : StartDriver(_driverStop.Token);
        return new SetupReport(_sessions.Count, _sessions.Count - failed, failed, started.Elapsed.TotalSeconds,
            HistogramTransfer.ToPairs(_handshakeTotal), new Dictionary<string, int>(_failures));
    }

    /// <summary>Sets the scenario's total rate (this node sends its share) and whether latency counts yet.</summary>
    public void SetRate(double totalRate, bool measuring)
    {
        ChatSession.Measuring = measuring;
        int totalSenders = _options.Scenario == ScenarioKind.Churn ? _options.WorkerCount : Math.Max(1, _options.EffectiveSenders);
        int mine = _options.Scenario == ScenarioKind.Churn ? 1 : _senders.Count;
        Volatile.Write(ref _rate, totalRate * mine / totalSenders);
    }

    public IntervalReport TakeInterval() =>
        new(_counters.Snapshot(), HistogramTransfer.ToPairs(_counters.Latency.TakeInterval()), Volatile.Read(ref _inFlightCycles));

    /// <summary>Stops sending, waits for the last deliveries, counts loss, closes every connection.</summary>
    public async Task<FinishReport> FinishAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _rate, 0);
        await _driverStop.CancelAsync().ConfigureAwait(false);
        if (_driver is not null) await _driver.ConfigureAwait(false);
        await WaitForCyclesAsync(cancellationToken).ConfigureAwait(false);
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        HdrHistogram.HistogramBase lastLatency = _counters.Latency.TakeInterval();

        long[] members = new long[_options.Rooms], received = new long[_options.Rooms];
        long dmExpected = 0, dmReceived = 0;
        foreach (ChatSession s in _sessions)
        {
            if (!s.Open) continue;
            members[s.Room]++;
            received[s.Room] += s.Received;
        }

        if (_options.Scenario == ScenarioKind.Dm)
        {
            var byIndex = _sessions.ToDictionary(s => s.Index);
            foreach (ChatSession s in _sessions)
            {
                if (s.Index % 2 != 0 || !byIndex.TryGetValue(s.Index + 1, out ChatSession? partner) || !s.Open || !partner.Open) continue;
                dmExpected += 2 * (s.Acked + partner.Acked);
                dmReceived += s.Received + partner.Received;
            }
        }

        CounterSnapshot counters = _counters.Snapshot();
        foreach (ChatSession s in _sessions) s.Open = false;
        await CloseAllAsync(cancellationToken).ConfigureAwait(false);
        // Handshakes after the setup: the churn cycles'.
        HdrHistogram.HistogramBase handshakes = _handshakeAll.TakeInterval();

        return new FinishReport(counters, [.. _counters.AckedPerRoom], members, received, dmExpected, dmReceived,
            Interlocked.Read(ref _counters.Gaps), Interlocked.Read(ref _counters.HistoryMessages),
            HistogramTransfer.ToPairs(lastLatency), HistogramTransfer.ToPairs(handshakes), new Dictionary<string, int>(_failures));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (ChatSession s in _sessions)
        {
            if (s.Socket is not null) await s.Socket.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        _driverStop.Dispose();
    }

    private async Task OpenAsync(ChatSession session, CancellationToken cancellationToken)
    {
        IReadOnlyList<System.Net.IPAddress> sources = _options.SourceAddresses;
        System.Net.IPAddress? source = sources.Count == 0 ? null : sources[session.Index % sources.Count];
        Uri url = _identity.UrlFor(session.Index);
        long started = ChatSession.Now();
        Task<InboundMessage> welcome = session.Expect(InboundType.Welcome);
        ILoadSocket socket = await _factory.ConnectAsync(url, source, cancellationToken).ConfigureAwait(false);
        session.Socket = socket;
        session.Open = true;
        session.ReceiveLoop = ReceiveAsync(session);
        InboundMessage reply = await welcome.WaitAsync(ReplyTimeout, cancellationToken).ConfigureAwait(false);
        if (reply.Type != InboundType.Welcome) throw new InvalidOperationException($"expected welcome, got {reply.Type} {reply.Error}");
        _handshakeAll.RecordSince(started);
    }

    private async Task JoinAsync(ChatSession session, CancellationToken cancellationToken)
    {
        long reference = Interlocked.Increment(ref _nextRef);
        byte[] buffer = new byte[Requests.Overhead];
        Task<InboundMessage> joined = session.Expect(InboundType.Joined, reference);
        int length = Requests.Join(buffer, session.Room, reference);
        await session.Socket!.SendTextAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        InboundMessage reply = await joined.WaitAsync(ReplyTimeout, cancellationToken).ConfigureAwait(false);
        if (reply.Type != InboundType.Joined) throw new InvalidOperationException($"join refused: {reply.Error}");

        // Messages of the room sent before this join are not expected here; the loss check starts at last_id.
        if (session.LastId < reply.LastId) session.LastId = reply.LastId;
    }

    private async Task ReceiveAsync(ChatSession session)
    {
        try
        {
            await session.Socket!.ReceiveLoopAsync(session, _stop.Token).ConfigureAwait(false);
            if (session.Open) session.FailWaiter(new IOException("the server closed the connection"));
        }
        catch (Exception ex)
        {
            session.FailWaiter(ex);
        }
        finally
        {
            if (session.Open)
            {
                session.Open = false;
                Interlocked.Increment(ref _counters.Disconnects);
            }
        }
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        // Wait until nothing moved for a second (every acked message has reached every member), at most 15 s.
        var deadline = Stopwatch.StartNew();
        CounterSnapshot previous = _counters.Snapshot();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            CounterSnapshot now = _counters.Snapshot();
            if (now == previous) return;
            previous = now;
        }
    }

    private async Task CloseAllAsync(CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(_sessions, new ParallelOptions { MaxDegreeOfParallelism = 256, CancellationToken = cancellationToken }, async (s, ct) =>
        {
            if (s.Socket is null) return;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await s.Socket.CloseAsync(timeout.Token).ConfigureAwait(false);
                if (s.ReceiveLoop is not null) await s.ReceiveLoop.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                // A slow close is no failure of the run; the socket is disposed below either way.
            }
            finally
            {
                await s.Socket.DisposeAsync().ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    internal static string Reason(Exception ex) => ex switch
    {
        HandshakeRejectedException h => $"http {h.Status}",
        TimeoutException => "timeout",
        System.Net.Sockets.SocketException s => s.SocketErrorCode.ToString(),
        AggregateException { InnerException: { } inner } => Reason(inner),
        _ => ex.GetType().Name,
    };
}
