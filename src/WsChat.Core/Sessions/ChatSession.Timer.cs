namespace WsChat.Core.Sessions;

internal sealed partial class ChatSession
{
    // The session's one deadline in the process-wide timer wheel (SessionTimers): the auth timeout
    // before authentication, the token expiry after. Guarded by the wheel's lock. 24 bytes.
    internal ChatSession? TimerNext;
    internal ChatSession? TimerPrev;
    internal long TimerDueMs;
    internal int TimerSlot = -1;

    /// <summary>When the connection must be authenticated by (ms since the epoch): its opening plus
    /// <paramref name="authTimeoutMs"/>. Computed, not stored (issue 5: 8 bytes per connection).</summary>
    public long AuthDeadlineMs(long authTimeoutMs) => OpenedAtMs + authTimeoutMs;

    /// <summary>The token's <c>exp</c> plus the clock skew (ms since the epoch); long.MaxValue for no expiry.</summary>
    public long ExpiresAtMs
    {
        get => Volatile.Read(ref _expiresAtMs);
        set => Volatile.Write(ref _expiresAtMs, value);
    }

    private long _expiresAtMs = long.MaxValue;
}
