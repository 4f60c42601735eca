using WsChat.Core.Auth;

namespace WsChat.Core.Diagnostics;

/// <summary>Label values of the chat metrics, in the order of their enums' values (snake_case as on the wire).</summary>
internal static class ChatErrorLabels
{
    /// <summary>PROTOCOL.md §4 error codes, in the order <see cref="ChatMetrics.Error(int)"/> counts them; "other" last.</summary>
    public static readonly string[] ErrorCodes =
    [
        "bad_request", "unauthenticated", "forbidden", "not_member", "room_not_found", "user_not_found",
        "rate_limited", "too_large", "too_many_rooms", "server_busy", "internal", "other",
    ];

    /// <summary>Labels of <see cref="ReceivedMessageType"/>.</summary>
    public static readonly string[] MessageTypes =
        ["auth", "join", "leave", "message", "dm", "typing", "list_users", "history", "ping", "invalid"];

    /// <summary>Labels of the auth-failure counter: every <see cref="AuthFailure"/> but None (their
    /// <see cref="AuthFailures.MetricName"/>), then every <see cref="AuthFailureReason"/>.</summary>
    public static readonly string[] AuthFailureReasons =
    [
        .. Enum.GetValues<AuthFailure>().Where(f => f != AuthFailure.None).Select(AuthFailures.MetricName),
        "timeout", "conflict", "subject_mismatch", "unsupported_scheme", "too_many_connections",
    ];

    /// <summary>Index into <see cref="AuthFailureReasons"/> of a token failure.</summary>
    public static int AuthSlot(AuthFailure failure) => (int)failure - 1;

    /// <summary>Index into <see cref="AuthFailureReasons"/> of a session-level failure.</summary>
    public static int AuthSlot(AuthFailureReason reason) => s_tokenFailures + (int)reason;

    private static readonly int s_tokenFailures = Enum.GetValues<AuthFailure>().Length - 1;

    /// <summary>Labels of <see cref="RateLimitBucket"/>.</summary>
    public static readonly string[] RateLimitBuckets = ["user", "connection"];
}
