namespace WsChat.Core.Auth;

/// <summary>The outcome of validating a token: an identity, or why it was refused.</summary>
internal readonly struct AuthResult
{
    private readonly string? _userId;
    private readonly string? _username;

    private AuthResult(string userId, string username, DateTimeOffset expires)
    {
        _userId = userId;
        _username = username;
        Expires = expires;
    }

    private AuthResult(AuthFailure failure) => Failure = failure;

    /// <summary>True when the token is valid; then <see cref="UserId"/>, <see cref="Username"/> and <see cref="Expires"/> are set.</summary>
    public bool Succeeded => Failure == AuthFailure.None && !string.IsNullOrEmpty(_userId);

    /// <summary>The <c>sub</c> claim; empty on failure.</summary>
    public string UserId => _userId ?? string.Empty;

    /// <summary>The <c>name</c> claim, or <c>sub</c> when it is absent or empty; empty on failure.</summary>
    public string Username => _username ?? string.Empty;

    /// <summary>The <c>exp</c> claim (UTC). PROTOCOL.md §5: the connection closes 1008 at exp + skew.</summary>
    public DateTimeOffset Expires { get; }

    /// <summary>Why the token was refused; <see cref="AuthFailure.None"/> on success.</summary>
    public AuthFailure Failure { get; }

    public static AuthResult Success(string userId, string username, DateTimeOffset expires) => new(userId, username, expires);

    public static AuthResult Fail(AuthFailure failure) => new(failure);

    public override string ToString() => Succeeded ? $"{UserId} ({Username}) until {Expires:O}" : AuthFailures.MetricName(Failure);
}
