namespace WsChat.Core.Diagnostics;

/// <summary>Why an authentication failed, as counted by <c>wschat_auth_failures_total{reason}</c>
/// (PROTOCOL.md §2 and §5). Token contents are never part of a reason.</summary>
internal enum AuthFailureReason
{
    /// <summary>No valid <c>auth</c> within the auth timeout (close 1008).</summary>
    Timeout,
    /// <summary>Not a JWT, a bad signature, or an algorithm other than HS256.</summary>
    Invalid,
    /// <summary>Past <c>exp</c> plus the clock skew, at the handshake or while connected.</summary>
    Expired,
    /// <summary>Before <c>nbf</c> minus the clock skew.</summary>
    NotYetValid,
    /// <summary><c>sub</c> missing, or <c>iss</c>/<c>aud</c> not the configured ones, or <c>name</c> too long.</summary>
    Claims,
    /// <summary>A token in both the query and the header, and they differ (400).</summary>
    Conflict,
    /// <summary>A token over the 4 KiB limit.</summary>
    TooLarge,
    /// <summary>A refresh whose <c>sub</c> differs from the connection's (<c>forbidden</c>).</summary>
    SubjectMismatch,
}
