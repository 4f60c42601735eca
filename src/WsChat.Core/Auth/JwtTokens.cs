using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WsChat.Core.Auth;

/// <summary>
/// Mints HS256 tokens the server accepts: for <c>wschat token --user ID --name NAME</c>, tests and the load
/// generator. Thread-safe.
/// </summary>
internal static class JwtTokens
{
    private static readonly JsonWebTokenHandler s_handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Creates a token with <c>sub</c>, <c>name</c>, <c>iat</c>, <c>nbf</c> and <c>exp</c> = now + <paramref name="lifetime"/>.</summary>
    /// <param name="secret">The server's secret (at least 32 UTF-8 bytes).</param>
    /// <param name="sub">The user id.</param>
    /// <param name="name">The display name; null leaves the claim out (the server then uses <paramref name="sub"/>).</param>
    /// <param name="lifetime">Time until <c>exp</c>; may be negative to mint an expired token for tests.</param>
    /// <param name="issuer">Optional <c>iss</c>.</param>
    /// <param name="audience">Optional <c>aud</c>.</param>
    /// <param name="now">The issue time; default the current UTC time.</param>
    /// <exception cref="ArgumentException">The secret is shorter than 32 bytes, or <paramref name="sub"/> is empty.</exception>
    public static string Create(string secret, string sub, string? name, TimeSpan lifetime, string? issuer = null, string? audience = null, DateTimeOffset? now = null)
    {
        byte[] key = JwtValidator.SecretBytes(secret);
        ArgumentException.ThrowIfNullOrEmpty(sub);
        DateTime issued = (now ?? DateTimeOffset.UtcNow).UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = sub };
        if (name is not null) claims["name"] = name;

        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = issued + lifetime,
            Issuer = issuer,
            Audience = audience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        };
        return s_handler.CreateToken(descriptor);
    }
}
