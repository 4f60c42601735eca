using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WsChat.Tests.Support;

/// <summary>Mints HS256 tokens for tests, the way an identity provider would.</summary>
internal static class TestTokens
{
    /// <summary>A development secret of 48 bytes (PROTOCOL.md §5 wants at least 32).</summary>
    public const string Secret = "wschat-tests-secret-0123456789abcdefghijklmnopqr";

    public static string Mint(string sub, string? name = null, DateTimeOffset? expires = null, string secret = Secret, DateTimeOffset? now = null)
    {
        DateTimeOffset issued = now ?? DateTimeOffset.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = sub };
        if (name is not null) claims["name"] = name;
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = issued.UtcDateTime,
            NotBefore = issued.UtcDateTime.AddMinutes(-1),
            Expires = (expires ?? issued.AddHours(1)).UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
