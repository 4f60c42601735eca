using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WsChat.Core.Sessions;

// TEMPORARY (chat branch): wraps JsonWebTokenHandler until protocol's validator lands in Core/Auth.
internal sealed class TokenCheck
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters;
    private readonly TimeProvider _time;

    public TokenCheck(ChatServerOptions options, TimeProvider time)
    {
        _time = time;
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.JwtSecret)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = options.JwtIssuer is not null,
            ValidIssuer = options.JwtIssuer,
            ValidateAudience = options.JwtAudience is not null,
            ValidAudience = options.JwtAudience,
            ClockSkew = options.ClockSkew,
            RequireExpirationTime = true,
            LifetimeValidator = (nbf, exp, _, p) =>
            {
                DateTime now = _time.GetUtcNow().UtcDateTime;
                return exp is { } e && e + p.ClockSkew > now && (nbf is not { } n || n - p.ClockSkew <= now);
            },
        };
    }

    public bool TryValidate(ReadOnlySpan<byte> token, out TokenIdentity identity, out string reason)
    {
        identity = default;
        if (token.Length is 0 or > 4096)
        {
            reason = "invalid token";
            return false;
        }

        return TryValidate(Encoding.UTF8.GetString(token), out identity, out reason);
    }

    public bool TryValidate(string token, out TokenIdentity identity, out string reason)
    {
        identity = default;
        reason = "invalid token";
        TokenValidationResult result = _handler.ValidateTokenAsync(token, _parameters).GetAwaiter().GetResult();
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt) return false;
        if (!jwt.TryGetPayloadValue("sub", out string? sub) || string.IsNullOrEmpty(sub)) return false;
        string name = jwt.TryGetPayloadValue("name", out string? n) && !string.IsNullOrEmpty(n) ? n : sub;
        identity = new TokenIdentity(sub, name, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero).ToUnixTimeMilliseconds());
        reason = string.Empty;
        return true;
    }
}
