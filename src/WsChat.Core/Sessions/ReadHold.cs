namespace WsChat.Core.Sessions;

/// <summary>
/// Several nodes (issue 8): while the connection waits for one backplane round trip — its admission against the
/// cluster-wide connections-per-user limit, or a user rate-limit token from the cluster-wide bucket — what the
/// client sends next is held here, copied, and run in order once the answer is in. A client may send <c>join</c>
/// right after the upgrade, or a <c>leave</c> right after a <c>message</c>: nothing overtakes what came first.
/// </summary>
/// <remarks>
/// Thread-safety: the connection's read path holds messages (<see cref="TryHold"/>) while the backplane's thread
/// completes the wait; both take this object's monitor, so a message read during <see cref="Release"/> waits and
/// runs after the held ones (the read path's one-message-at-a-time rule holds). Lives only during the round trip;
/// never on one node.
/// </remarks>
internal sealed class ReadHold
{
    // A round trip is a millisecond or so; a client that sends more than this meanwhile is flooding: past it,
    // messages are refused (before welcome: PROTOCOL.md §2 error unauthenticated; after: server_busy).
    internal const int MaxHeldMessages = 64;
    internal const int MaxHeldBytes = 256 * 1024;

    private List<byte[]>? _held;
    private int _heldBytes;
    private bool _done;

    /// <summary>Holds a copy of <paramref name="json"/> while the wait lasts (<see cref="HoldOutcome.Held"/>);
    /// <see cref="HoldOutcome.Over"/> once it is over, <see cref="HoldOutcome.Full"/> when the bounds are reached.</summary>
    public HoldOutcome TryHold(ReadOnlySpan<byte> json)
    {
        lock (this)
        {
            if (_done) return HoldOutcome.Over;
            _held ??= [];
            if (_held.Count >= MaxHeldMessages || _heldBytes + json.Length > MaxHeldBytes) return HoldOutcome.Full;
            _held.Add(json.ToArray());
            _heldBytes += json.Length;
            return HoldOutcome.Held;
        }
    }

    /// <summary>Ends the wait: runs <paramref name="first"/> (the answer: welcome, or the checked command), then,
    /// when it returns true, every held message through <paramref name="run"/> in the order they came, all under the
    /// monitor. When it returns false (the connection refused or closed), the held messages are dropped.</summary>
    public void Release(Func<bool> first, Action<byte[]> run)
    {
        lock (this)
        {
            _done = true;
            List<byte[]>? held = _held;
            _held = null;
            if (!first() || held is null) return;
            foreach (byte[] json in held) run(json);
        }
    }
}

/// <summary>What <see cref="ReadHold.TryHold"/> did with a message.</summary>
internal enum HoldOutcome
{
    /// <summary>Held: it runs after the wait, in order.</summary>
    Held,
    /// <summary>The wait is over: the caller handles the message.</summary>
    Over,
    /// <summary>Too much is held already: the caller refuses the message.</summary>
    Full,
}
