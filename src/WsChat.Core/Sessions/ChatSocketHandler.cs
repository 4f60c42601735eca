using System.Text;
using WsChat.Core.Protocol;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Sessions;

/// <summary>
/// The <c>/ws</c> endpoint: authenticates the upgrade (PROTOCOL.md §2), then hands each connection's
/// messages to the <see cref="ChatEngine"/>. Stateless itself; thread-safe.
/// </summary>
internal sealed class ChatSocketHandler(ChatEngine engine) : IWebSocketHandler
{
    private static ReadOnlySpan<byte> BearerPrefix => "Bearer "u8;

    public UpgradeDecision OnUpgrade(HttpRequest request)
    {
        string? queryToken = request.GetQueryParameter("token");
        string? headerToken = null;
        if (request.TryGetHeader("Authorization"u8, out ReadOnlySpan<byte> authorization))
        {
            if (authorization.Length <= BearerPrefix.Length || !Ascii.EqualsIgnoreCase(authorization[..BearerPrefix.Length], BearerPrefix))
            {
                engine.Metrics.AuthFailed(Diagnostics.AuthFailureReason.UnsupportedScheme);
                return UpgradeDecision.Refuse(401);     // some other scheme: not a token we can check
            }

            headerToken = Encoding.UTF8.GetString(authorization[BearerPrefix.Length..].Trim((byte)' '));
        }

        // §5: a token in both places that differ is ambiguous → 400.
        if (queryToken is not null && headerToken is not null && !string.Equals(queryToken, headerToken, StringComparison.Ordinal))
        {
            engine.Metrics.AuthFailed(Diagnostics.AuthFailureReason.Conflict);
            return UpgradeDecision.Refuse(400);
        }

        string? token = queryToken ?? headerToken;
        if (token is not null)
        {
            if (!engine.TryValidate(Encoding.UTF8.GetBytes(token), out TokenIdentity identity, out _)) return UpgradeDecision.Refuse(401);
            return UpgradeDecision.Accept(identity);
        }

        // §2: development mode only — never the default (ChatServerOptions.AllowAnonymous).
        if (engine.Options.AllowAnonymous && request.GetQueryParameter("user") is { Length: > 0 } user)
        {
            if (!IsAcceptableAnonymousName(user)) return UpgradeDecision.Refuse(400);
            return UpgradeDecision.Accept(new TokenIdentity(user, user, long.MaxValue));
        }

        return UpgradeDecision.Accept();            // must send an auth message within the auth timeout
    }

    public void OnOpen(WebSocketConnection connection)
    {
        TokenIdentity? identity = connection.UserState is TokenIdentity known ? known : null;
        ChatSession session = engine.Open(connection, in identity);
        connection.UserState = session;
    }

    public void OnMessage(WebSocketConnection connection, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        if (connection.UserState is not ChatSession session) return;
        if (opcode != WebSocketOpcode.Text)
        {
            // PROTOCOL.md §1: a binary message on /ws closes the connection with 1003.
            connection.Close(WebSocketCloseCode.UnsupportedData, CloseReasons.BinaryMessage);
            return;
        }

        engine.Receive(session, payload);
    }

    public void OnClose(WebSocketConnection connection, WebSocketCloseCode code)
    {
        if (connection.UserState is ChatSession session) engine.Closed(session);
    }

    // A development user id goes into every message: same bounds as a JWT sub and name (ProtocolLimits).
    private static bool IsAcceptableAnonymousName(string name) =>
        name.Length <= ProtocolLimits.MaxUsernameLength && !name.AsSpan().ContainsAnyInRange('\0', '\u001f');
}
