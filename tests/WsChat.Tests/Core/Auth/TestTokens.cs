using System.Security.Cryptography;
using System.Text;

namespace WsChat.Tests.Core.Auth;

/// <summary>Builds JWTs by hand (header and payload JSON as given) so tests can forge what a minter never would.</summary>
internal static class TestTokens
{
    public const string Secret = "test-secret-0123456789-abcdefghijklmnop";   // 39 bytes

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>header.payload.signature with an HMAC of the given algorithm (HS256, HS384, HS512) or no signature ("none").</summary>
    public static string Sign(string headerJson, string payloadJson, string alg = "HS256", string secret = Secret)
    {
        string signingInput = B64(headerJson) + "." + B64(payloadJson);
        byte[] key = Encoding.UTF8.GetBytes(secret);
        byte[] data = Encoding.ASCII.GetBytes(signingInput);
        byte[]? signature = alg switch
        {
            "HS256" => HMACSHA256.HashData(key, data),
            "HS384" => HMACSHA384.HashData(key, data),
            "HS512" => HMACSHA512.HashData(key, data),
            "none" => null,
            _ => throw new ArgumentException(alg),
        };
        return signingInput + "." + (signature is null ? "" : Base64Url(signature));
    }

    /// <summary>An HS256 token with header {"alg":"HS256","typ":"JWT"} and the given payload.</summary>
    public static string Hs256(string payloadJson, string secret = Secret) => Sign("""{"alg":"HS256","typ":"JWT"}""", payloadJson, "HS256", secret);

    public static string B64(string json) => Base64Url(Encoding.UTF8.GetBytes(json));

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
