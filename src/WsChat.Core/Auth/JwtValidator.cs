using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WsChat.Core.Protocol;

namespace WsChat.Core.Auth;

/// <summary>
/// Checks HS256 JWTs (PROTOCOL.md §2, §5) with <see cref="JsonWebTokenHandler"/>: only HS256, <c>sub</c> and
/// <c>exp</c> required, <c>nbf</c>/<c>iat</c>/<c>exp</c> within the clock skew, <c>iss</c>/<c>aud</c> when
/// configured, <c>name</c> (default <c>sub</c>) at most 64 characters, the token at most 4 KiB.
/// </summary>
/// <remarks>
/// Thread-safe; build one per server. A validation allocates a few KiB (the library parses the token into
/// claims) and costs tens of microseconds: fine once per connection or refresh, not per message. The
/// library's <c>ValidateTokenAsync</c> finishes synchronously for a symmetric key with no metadata to
/// fetch, so <see cref="Validate(string)"/> does not block a thread in practice.
/// </remarks>
internal sealed class JwtValidator
{
    /// <summary>RFC 7518 §3.2: an HS256 key must be at least as long as the hash output, 256 bits.</summary>
    public const int MinSecretBytes = 32;

    private readonly JsonWebTokenHandler _handler;
    private readonly TokenValidationParameters _parameters;
    private readonly JwtOptions _options;

    /// <exception cref="ArgumentException">The secret is shorter than 32 bytes, or a limit is not positive.</exception>
    public JwtValidator(JwtOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        byte[] key = SecretBytes(options.Secret);
        if (options.MaxTokenLength <= 0) throw new ArgumentException("MaxTokenLength must be positive.", nameof(options));
        if (options.ClockSkew < TimeSpan.Zero) throw new ArgumentException("ClockSkew must not be negative.", nameof(options));

        _options = options;
        _handler = new JsonWebTokenHandler { MaximumTokenSizeInBytes = options.MaxTokenLength };
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(key),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = options.ClockSkew,
            ValidateIssuer = options.Issuer is not null,
            ValidIssuer = options.Issuer,
            ValidateAudience = options.Audience is not null,
            ValidAudience = options.Audience,
            ValidateIssuerSigningKey = false,   // one configured key, nothing to choose between
            LogValidationExceptions = false,    // a bad token is a client's problem, counted by metrics, not logged
        };
    }

    /// <summary>
    /// The UTF-8 bytes of <paramref name="secret"/> used as the HMAC key.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than <see cref="MinSecretBytes"/> bytes.</exception>
    internal static byte[] SecretBytes(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        byte[] key = Encoding.UTF8.GetBytes(secret);
        if (key.Length < MinSecretBytes)
        {
            throw new ArgumentException(
                $"The JWT secret is {key.Length} bytes; HS256 needs at least {MinSecretBytes} bytes (256 bits, RFC 7518 §3.2). " +
                "Configure a longer random secret, e.g. the output of `openssl rand -base64 48`.", nameof(secret));
        }

        return key;
    }

    /// <summary>Validates a token given as UTF-8 (the <c>token</c> of an <c>auth</c> message).</summary>
    public AuthResult Validate(ReadOnlySpan<byte> utf8Token)
    {
        // Checked before the string is made: a 60 KiB "token" costs nothing but this compare.
        if (utf8Token.Length > _options.MaxTokenLength) return AuthResult.Fail(AuthFailure.TooLong);
        return Validate(Encoding.UTF8.GetString(utf8Token));
    }

    /// <summary>Validates <paramref name="token"/> synchronously (see the remarks on cost).</summary>
    public AuthResult Validate(string token)
    {
        Task<AuthResult> task = ValidateAsync(token);
        return task.IsCompleted ? task.Result : task.GetAwaiter().GetResult();
    }

    /// <summary>Validates <paramref name="token"/>. Never throws for a bad token; the result says why.</summary>
    public async Task<AuthResult> ValidateAsync(string token)
    {
        if (string.IsNullOrEmpty(token)) return AuthResult.Fail(AuthFailure.Malformed);
        if (token.Length > _options.MaxTokenLength) return AuthResult.Fail(AuthFailure.TooLong);

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException)
        {
            return AuthResult.Fail(AuthFailure.Malformed);   // SecurityTokenMalformedException is an ArgumentException
        }

        // Checked here, not only by ValidAlgorithms, so that "none" (unsigned) is reported as bad_alg and not
        // as a missing signature.
        if (!string.Equals(jwt.Alg, SecurityAlgorithms.HmacSha256, StringComparison.Ordinal)) return AuthResult.Fail(AuthFailure.BadAlg);

        TokenValidationResult result = await _handler.ValidateTokenAsync(jwt, _parameters).ConfigureAwait(false);
        if (!result.IsValid) return AuthResult.Fail(Classify(result.Exception));

        return ReadIdentity(jwt);
    }

    private AuthResult ReadIdentity(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue("sub", out object? subValue) || subValue is null) return AuthResult.Fail(AuthFailure.MissingClaim);
        if (!IsJsonString(jwt, "sub", subValue, out string sub) || sub.Length == 0) return AuthResult.Fail(AuthFailure.InvalidClaim);
        if (!HasAtMostCodePoints(sub, ProtocolLimits.MaxUserIdLength)) return AuthResult.Fail(AuthFailure.InvalidClaim);

        string name = sub;
        if (jwt.TryGetPayloadValue("name", out object? nameValue) && nameValue is not null)
        {
            if (!IsJsonString(jwt, "name", nameValue, out string given)) return AuthResult.Fail(AuthFailure.InvalidClaim);
            if (given.Length > 0) name = given;
        }

        if (!HasAtMostCodePoints(name, ProtocolLimits.MaxUsernameLength)) return AuthResult.Fail(AuthFailure.InvalidClaim);

        // The library checks nbf and exp but not iat; a token issued in the future means a wrong clock or a
        // forged lifetime, so it is refused like an early nbf.
        DateTime now = DateTime.UtcNow;   // the library's lifetime check reads the same clock
        if (jwt.TryGetPayloadValue("iat", out object? _) && jwt.IssuedAt > now + _options.ClockSkew)
            return AuthResult.Fail(AuthFailure.NotYetValid);

        return AuthResult.Success(sub, name, new DateTimeOffset(DateTime.SpecifyKind(jwt.ValidTo, DateTimeKind.Utc)));
    }

    // A name that is a number or an array is refused by its claim's JSON type. (The library reads "sub" as a
    // string whatever its JSON type, so a numeric sub arrives as its decimal string and is accepted.)
    private static bool IsJsonString(JsonWebToken jwt, string claim, object value, out string text)
    {
        text = value as string ?? string.Empty;
        return value is string && jwt.TryGetClaim(claim, out Claim? c) && c.ValueType == ClaimValueTypes.String;
    }

    private static bool HasAtMostCodePoints(string value, int max)
    {
        if (value.Length <= max) return true;
        int count = 0;
        foreach (Rune _ in value.EnumerateRunes())
        {
            if (++count > max) return false;
        }

        return true;
    }

    private static AuthFailure Classify(Exception? e) => e switch
    {
        SecurityTokenExpiredException => AuthFailure.Expired,
        SecurityTokenNotYetValidException => AuthFailure.NotYetValid,
        SecurityTokenNoExpirationException => AuthFailure.MissingClaim,
        SecurityTokenInvalidIssuerException => AuthFailure.WrongIssuer,
        SecurityTokenInvalidAudienceException => AuthFailure.WrongAudience,
        SecurityTokenInvalidAlgorithmException => AuthFailure.BadAlg,
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => AuthFailure.BadSignature,
        SecurityTokenInvalidLifetimeException => AuthFailure.Expired,   // exp before nbf: never usable
        _ => AuthFailure.Malformed,
    };
}
