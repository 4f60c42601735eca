namespace WsChat.Core.Diagnostics;

/// <summary>
/// Authentication failures that are not about a token's contents (those are
/// <see cref="Auth.AuthFailure"/>), counted by <c>wschat_auth_failures_total{reason}</c> next to them
/// (PROTOCOL.md §2 and §5). Token contents are never part of a reason.
/// </summary>
internal enum AuthFailureReason
{
    /// <summary>No valid <c>auth</c> within the auth timeout (close 1008).</summary>
    Timeout,
    /// <summary>A token in both the query and the header, and they differ (400).</summary>
    Conflict,
    /// <summary>A refresh whose <c>sub</c> differs from the connection's (<c>forbidden</c>).</summary>
    SubjectMismatch,
    /// <summary>An <c>Authorization</c> header of another scheme than Bearer (401 at the upgrade).</summary>
    UnsupportedScheme,
    /// <summary>A valid token for a user already at the connections-per-user limit (close 1008).</summary>
    TooManyConnections,
}
