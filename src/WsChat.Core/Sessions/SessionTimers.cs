namespace WsChat.Core.Sessions;

/// <summary>
/// One coarse hashed timer wheel for the whole process: the auth timeout and the token expiry of
/// every connection, without a timer object per connection (docs/architecture.md, "Timers").
/// </summary>
/// <remarks>
/// Each session has at most one deadline at a time, kept as an intrusive list node inside the
/// session, so scheduling allocates nothing. A slot covers one tick; a deadline further away than
/// one turn of the wheel stays in its slot and is skipped until its turn comes. Schedule and cancel
/// (once per connect, auth, refresh and close) take a lock; due sessions are handed to the callback
/// outside it. Deadlines fire up to one tick late, never early.
/// </remarks>
internal sealed class SessionTimers : IDisposable
{
    // 512 slots of 100 ms: one turn is 51 s, so a 10 s auth timeout is found on its first pass.
    private const int SlotCount = 512;

    private readonly ChatSession?[] _slots = new ChatSession?[SlotCount];
    private readonly List<ChatSession> _due = [];
    private readonly Lock _lock = new();
    private readonly Action<ChatSession, long> _onDue;
    private readonly long _tickMs;
    private readonly TimeProvider _time;
    private readonly TimeSpan _tick;
    private ITimer? _timer;
    private long _lastTick;
    private int _advancing;

    /// <param name="time">The clock.</param>
    /// <param name="tick">The wheel's resolution.</param>
    /// <param name="onDue">Called (outside the lock, on the timer's thread) with a session whose deadline
    /// passed, and the current time in ms; the deadline is removed first.</param>
    public SessionTimers(TimeProvider time, TimeSpan tick, Action<ChatSession, long> onDue)
    {
        _time = time;
        _tickMs = Math.Max(1, (long)tick.TotalMilliseconds);
        _onDue = onDue;
        _lastTick = time.GetUtcNow().ToUnixTimeMilliseconds() / _tickMs;
        _tick = tick;
    }

    /// <summary>Starts ticking (tests that drive time themselves never call it, and call <see cref="Advance"/>).</summary>
    public void Start() => _timer ??= _time.CreateTimer(static s => ((SessionTimers)s!).Advance(), this, _tick, _tick);

    /// <summary>Sessions with a deadline (for tests and metrics).</summary>
    public int Count { get; private set; }

    /// <summary>Sets (or moves) the deadline of <paramref name="session"/> to <paramref name="dueMs"/> (ms since the epoch).</summary>
    public void Schedule(ChatSession session, long dueMs)
    {
        lock (_lock)
        {
            Unlink(session);
            int slot = (int)((dueMs / _tickMs) % SlotCount);
            session.TimerDueMs = dueMs;
            session.TimerSlot = slot;
            session.TimerPrev = null;
            session.TimerNext = _slots[slot];
            if (_slots[slot] is { } head) head.TimerPrev = session;
            _slots[slot] = session;
            Count++;
        }
    }

    /// <summary>Removes the deadline of <paramref name="session"/>, if any.</summary>
    public void Cancel(ChatSession session)
    {
        lock (_lock) Unlink(session);
    }

    /// <summary>Fires every deadline up to now. Called by the wheel's timer; tests call it directly.</summary>
    public void Advance()
    {
        // A pass that outlasts a tick (a huge expiry wave) is not joined by the next one: it skips.
        if (Interlocked.Exchange(ref _advancing, 1) == 1) return;
        try
        {
            AdvanceCore();
        }
        finally
        {
            Volatile.Write(ref _advancing, 0);
        }
    }

    private void AdvanceCore()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            long nowTick = now / _tickMs;
            // Behind by more than a turn (a stalled process): one pass over every slot is enough.
            long from = Math.Max(_lastTick, nowTick - SlotCount + 1);
            for (long tick = from; tick <= nowTick; tick++)
            {
                ChatSession? node = _slots[(int)(tick % SlotCount)];
                while (node is not null)
                {
                    ChatSession? next = node.TimerNext;
                    if (node.TimerDueMs <= now)
                    {
                        Unlink(node);
                        _due.Add(node);
                    }

                    node = next;
                }
            }

            _lastTick = nowTick;
        }

        for (int i = 0; i < _due.Count; i++)
        {
            _onDue(_due[i], now);
        }

        _due.Clear();
    }

    public void Dispose() => _timer?.Dispose();

    private void Unlink(ChatSession session)
    {
        if (session.TimerSlot < 0) return;
        if (session.TimerPrev is { } prev) prev.TimerNext = session.TimerNext;
        else _slots[session.TimerSlot] = session.TimerNext;
        if (session.TimerNext is { } next) next.TimerPrev = session.TimerPrev;
        session.TimerPrev = session.TimerNext = null;
        session.TimerSlot = -1;
        Count--;
    }
}
