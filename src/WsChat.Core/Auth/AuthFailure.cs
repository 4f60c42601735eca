namespace WsChat.Core.Auth;

/// <summary>Why a token was refused; <see cref="AuthFailures.MetricName"/> labels the auth-failure metric.</summary>
/// <remarks>Append new values at the end: ChatErrorLabels uses the numeric value as a counter slot.</remarks>
internal enum AuthFailure : byte
{
    /// <summary>Not a failure.</summary>
    None = 0,
    /// <summary>Not a JWT (empty, not three base64url parts, header or payload not JSON).</summary>
    Malformed,
    /// <summary>The HS256 signature does not match the server's secret.</summary>
    BadSignature,
    /// <summary><c>exp</c> is more than the clock skew in the past.</summary>
    Expired,
    /// <summary><c>nbf</c> or <c>iat</c> is more than the clock skew in the future.</summary>
    NotYetValid,
    /// <summary>The header's <c>alg</c> is not HS256 (<c>none</c>, HS512, RS256, …).</summary>
    BadAlg,
    /// <summary><c>sub</c> or <c>exp</c> is absent.</summary>
    MissingClaim,
    /// <summary>A claim is present but unusable: <c>name</c> over 64 characters or not a string, <c>sub</c> over 256 characters.</summary>
    InvalidClaim,
    /// <summary>The token is longer than the limit (4 KiB by default), refused before parsing.</summary>
    TooLong,
    /// <summary><c>iss</c> differs from the configured issuer.</summary>
    WrongIssuer,
    /// <summary><c>aud</c> does not contain the configured audience.</summary>
    WrongAudience,
}

/// <summary>Metric label values of <see cref="AuthFailure"/>.</summary>
internal static class AuthFailures
{
    /// <summary>The snake_case label of <paramref name="failure"/>, e.g. <c>bad_signature</c>.</summary>
    public static string MetricName(AuthFailure failure) => failure switch
    {
        AuthFailure.None => "none",
        AuthFailure.Malformed => "malformed",
        AuthFailure.BadSignature => "bad_signature",
        AuthFailure.Expired => "expired",
        AuthFailure.NotYetValid => "not_yet_valid",
        AuthFailure.BadAlg => "bad_alg",
        AuthFailure.MissingClaim => "missing_claim",
        AuthFailure.InvalidClaim => "invalid_claim",
        AuthFailure.TooLong => "too_long",
        AuthFailure.WrongIssuer => "wrong_issuer",
        AuthFailure.WrongAudience => "wrong_audience",
        _ => "unknown",
    };
}
