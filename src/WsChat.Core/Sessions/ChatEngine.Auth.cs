using WsChat.Core.Auth;
using WsChat.Core.Protocol;
using WsChat.Core.Shards;
using WsChat.Core.Users;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Sessions;

internal sealed partial class ChatEngine
{
    // PROTOCOL.md §2: the first message may be {"type":"auth","token":...}; a bad one → error, then close 1008.
    private void AuthMessage(ChatSession session, ReadOnlySpan<byte> token, ReadOnlySpan<byte> clientRef)
    {
        if (!TryValidate(token, out TokenIdentity identity, out string reason))
        {
            Metrics.Error(ErrorCode.Unauthenticated);
            session.Send(Frames.Error(ErrorCode.Unauthenticated, reason, clientRef));
            session.Close(WebSocketCloseCode.PolicyViolation, CloseReasons.AuthFailed);
            return;
        }

        CompleteAuth(session, in identity);
    }

    /// <summary>Registers the user (connections-per-user limit), arms the expiry, sends <c>welcome</c>.</summary>
    private void CompleteAuth(ChatSession session, in TokenIdentity identity)
    {
        if (_backplane is { } backplane)
        {
            AdmitClustered(session, in identity, backplane);     // the limit counts every node (ChatEngine.Admission.cs)
            return;
        }

        if (!Users.TryAdd(session, identity.UserId, identity.Name, Options.MaxConnectionsPerUser, out ChatUser user))
        {
            RefuseTooMany(session);
            return;
        }

        FinishAuth(session, user, in identity);
    }

    // §5: the new connection is the one refused; the user's others are untouched.
    private void RefuseTooMany(ChatSession session)
    {
        Metrics.AuthFailed(Diagnostics.AuthFailureReason.TooManyConnections);
        session.Close(WebSocketCloseCode.PolicyViolation, CloseReasons.TooManyConnections);
    }

    /// <summary>The connection is admitted: authenticated, expiry armed, <c>welcome</c> sent. False when it closed meanwhile.</summary>
    private bool FinishAuth(ChatSession session, ChatUser user, in TokenIdentity identity)
    {
        if (!session.Authenticate(user, identity.Name))
        {
            Users.Remove(session, user);        // it closed while we were at it
            return false;
        }

        UserCameOnline(user.Id);
        ArmExpiry(session, in identity);
        // §2: welcome before anything else; the session accepts commands only from here on.
        session.Send(Frames.Welcome(session.UserIdUtf8, session.UsernameUtf8, session.Id, (int)Options.HeartbeatInterval.TotalMilliseconds));
        return true;
    }

    // §2, §5: a second auth refreshes the expiry; same sub required; an invalid one leaves the old expiry.
    private void Refresh(ChatSession session, ReadOnlySpan<byte> token, ReadOnlySpan<byte> clientRef)
    {
        if (!TryValidate(token, out TokenIdentity identity, out string reason))
        {
            Metrics.Error(ErrorCode.Unauthenticated);
            session.Send(Frames.Error(ErrorCode.Unauthenticated, reason, clientRef));
            return;
        }

        if (!string.Equals(identity.UserId, session.UserId, StringComparison.Ordinal))
        {
            Metrics.AuthFailed(Diagnostics.AuthFailureReason.SubjectMismatch);
            Metrics.Error(ErrorCode.Forbidden);
            session.Send(Frames.Error(ErrorCode.Forbidden, "a refresh token must have the same sub", clientRef));
            return;
        }

        ArmExpiry(session, in identity);
        if (!clientRef.IsEmpty) session.Send(Frames.AckAuth(clientRef, identity.ExpiresAtMs));
    }

    /// <summary>Validates a token (from the upgrade request or an <c>auth</c> message).</summary>
    /// <param name="token">The JWT as UTF-8.</param>
    /// <param name="identity">Who the token names, on success.</param>
    /// <param name="reason">Why it was refused, for the <c>error</c> message, on failure.</param>
    public bool TryValidate(ReadOnlySpan<byte> token, out TokenIdentity identity, out string reason)
    {
        AuthResult result = Tokens.Validate(token);
        if (!result.Succeeded)
        {
            Metrics.AuthFailed(result.Failure);
            identity = default;
            reason = "invalid token: " + AuthFailures.MetricName(result.Failure);
            return false;
        }

        identity = new TokenIdentity(result.UserId, result.Username, result.Expires.ToUnixTimeMilliseconds());
        reason = string.Empty;
        return true;
    }

    // §5: close 1008 "token expired" at exp + clock skew.
    private void ArmExpiry(ChatSession session, in TokenIdentity identity)
    {
        if (identity.ExpiresAtMs == long.MaxValue)
        {
            session.ExpiresAtMs = long.MaxValue;
            Timers.Cancel(session);
            return;
        }

        session.ExpiresAtMs = identity.ExpiresAtMs + (long)Options.ClockSkew.TotalMilliseconds;
        Timers.Schedule(session, session.ExpiresAtMs);
    }
}
