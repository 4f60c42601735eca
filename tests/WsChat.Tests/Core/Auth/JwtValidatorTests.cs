using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WsChat.Core.Auth;
using static WsChat.Tests.Core.Auth.TestTokens;

namespace WsChat.Tests.Core.Auth;

/// <summary>PROTOCOL.md §2 and §5: HS256 only, required claims, lifetimes with 30 s skew, iss/aud, sizes.</summary>
public class JwtValidatorTests
{
    private readonly JwtValidator _validator = new(new JwtOptions { Secret = Secret });

    [Test]
    public void Validate_MintedToken_YieldsIdentityAndExpiry()
    {
        string token = JwtTokens.Create(Secret, "u1", "alice", TimeSpan.FromHours(1));
        AuthResult result = _validator.Validate(token);
        Assert.That(result.Succeeded, Is.True, result.ToString());
        Assert.That((result.UserId, result.Username, result.Failure), Is.EqualTo(("u1", "alice", AuthFailure.None)));
        Assert.That(result.Expires, Is.EqualTo(DateTimeOffset.UtcNow.AddHours(1)).Within(TimeSpan.FromMinutes(1)));
    }

    [Test]
    public async Task ValidateAsync_MintedToken_Succeeds()
    {
        AuthResult result = await _validator.ValidateAsync(JwtTokens.Create(Secret, "u1", "alice", TimeSpan.FromMinutes(5)));
        Assert.That(result.Succeeded, Is.True, result.ToString());
    }

    [Test]
    public void Validate_Utf8Token_SameAsString()
    {
        string token = JwtTokens.Create(Secret, "u1", "alice", TimeSpan.FromMinutes(5));
        AuthResult result = _validator.Validate(Encoding.UTF8.GetBytes(token));
        Assert.That((result.Succeeded, result.UserId), Is.EqualTo((true, "u1")));
    }

    [Test]
    public void Validate_NoName_UsernameIsSub()
    {
        AuthResult result = _validator.Validate(JwtTokens.Create(Secret, "u42", null, TimeSpan.FromMinutes(5)));
        Assert.That((result.Succeeded, result.Username), Is.EqualTo((true, "u42")));
    }

    [Test]
    public void Validate_EmptyName_UsernameIsSub()
    {
        AuthResult result = _validator.Validate(Hs256($$"""{"sub":"u42","name":"","exp":{{Now + 300}}}"""));
        Assert.That((result.Succeeded, result.Username), Is.EqualTo((true, "u42")));
    }

    [Test]
    public void Validate_HandMadeHs256WithOnlySubAndExp_Succeeds()
    {
        AuthResult result = _validator.Validate(Hs256($$"""{"sub":"u1","exp":{{Now + 300}}}"""));
        Assert.That((result.Succeeded, result.UserId), Is.EqualTo((true, "u1")), result.ToString());
    }

    [Test]
    public void Validate_ExpiredPastTheSkew_IsExpired()
    {
        string token = JwtTokens.Create(Secret, "u1", "alice", TimeSpan.FromMinutes(5), now: DateTimeOffset.UtcNow.AddMinutes(-7));   // exp 2 min ago
        Assert.That(_validator.Validate(token).Failure, Is.EqualTo(AuthFailure.Expired));
    }

    [Test]
    public void Validate_ExpiredWithinTheSkew_IsAccepted()
    {
        AuthResult result = _validator.Validate(Hs256($$"""{"sub":"u1","exp":{{Now - 5}}}"""));   // 5 s ago, skew is 30 s
        Assert.That(result.Succeeded, Is.True, result.ToString());
    }

    [Test]
    public void Validate_NotBeforeInTheFuturePastTheSkew_IsNotYetValid()
    {
        AuthResult result = _validator.Validate(Hs256($$"""{"sub":"u1","nbf":{{Now + 300}},"exp":{{Now + 600}}}"""));
        Assert.That(result.Failure, Is.EqualTo(AuthFailure.NotYetValid));
    }

    [Test]
    public void Validate_NotBeforeWithinTheSkew_IsAccepted()
    {
        AuthResult result = _validator.Validate(Hs256($$"""{"sub":"u1","nbf":{{Now + 5}},"exp":{{Now + 600}}}"""));
        Assert.That(result.Succeeded, Is.True, result.ToString());
    }

    [Test]
    public void Validate_IssuedInTheFuturePastTheSkew_IsNotYetValid()
    {
        AuthResult result = _validator.Validate(Hs256($$"""{"sub":"u1","iat":{{Now + 300}},"exp":{{Now + 600}}}"""));
        Assert.That(result.Failure, Is.EqualTo(AuthFailure.NotYetValid));
    }

    [Test]
    public void Validate_ExpiryBeforeNotBefore_IsRefused()
    {
        AuthResult result = _validator.Validate(Hs256($$"""{"sub":"u1","nbf":{{Now - 10}},"exp":{{Now - 100}}}"""));
        Assert.That(result.Succeeded, Is.False);
    }

    [Test]
    public void Validate_AlgNone_IsBadAlg()
    {
        string token = Sign("""{"alg":"none","typ":"JWT"}""", $$"""{"sub":"u1","exp":{{Now + 300}}}""", "none");
        Assert.That(_validator.Validate(token).Failure, Is.EqualTo(AuthFailure.BadAlg));
    }

    [Test]
    public void Validate_AlgNoneWithAValidHs256Signature_IsBadAlg()
    {
        // The classic confusion attack: a header claiming "none" over bytes signed with the real key.
        string payload = $$"""{"sub":"u1","exp":{{Now + 300}}}""";
        string signed = Sign("""{"alg":"none"}""", payload, "HS256");
        Assert.That(_validator.Validate(signed).Failure, Is.EqualTo(AuthFailure.BadAlg));
    }

    [TestCase("HS384")]
    [TestCase("HS512")]
    public void Validate_OtherHmacAlgorithmWithTheRightSecret_IsBadAlg(string alg)
    {
        string token = Sign($$"""{"alg":"{{alg}}","typ":"JWT"}""", $$"""{"sub":"u1","exp":{{Now + 300}}}""", alg);
        Assert.That(_validator.Validate(token).Failure, Is.EqualTo(AuthFailure.BadAlg));
    }

    [TestCase("hs256")]
    [TestCase("HS256 ")]
    [TestCase("")]
    public void Validate_Hs256SpelledDifferently_IsBadAlg(string alg)
    {
        string token = Sign($$"""{"alg":"{{alg}}"}""", $$"""{"sub":"u1","exp":{{Now + 300}}}""", "HS256");
        Assert.That(_validator.Validate(token).Failure, Is.EqualTo(AuthFailure.BadAlg));
    }

    [Test]
    public void Validate_Rs256SignedToken_IsBadAlg()
    {
        using var rsa = RSA.Create(2048);
        var handler = new JsonWebTokenHandler();
        string token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = "u1" },
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256),
        });
        Assert.That(_validator.Validate(token).Failure, Is.EqualTo(AuthFailure.BadAlg));
    }

    [Test]
    public void Validate_KidHeaderNamingNoKnownKey_StillCheckedAgainstTheSecret()
    {
        // One configured key: a kid cannot select another one, it is simply not used.
        string payload = $$"""{"sub":"u1","exp":{{Now + 300}}}""";
        Assert.That(_validator.Validate(Sign("""{"alg":"HS256","kid":"other"}""", payload)).Succeeded, Is.True);
        Assert.That(_validator.Validate(Sign("""{"alg":"HS256","kid":"other"}""", payload, secret: "wrong-wrong-wrong-wrong-wrong-wrong!")).Failure,
            Is.EqualTo(AuthFailure.BadSignature));
    }

    [Test]
    public void Validate_WrongSecret_IsBadSignature()
    {
        string token = JwtTokens.Create("another-secret-another-secret-another!!", "u1", "alice", TimeSpan.FromMinutes(5));
        Assert.That(_validator.Validate(token).Failure, Is.EqualTo(AuthFailure.BadSignature));
    }

    [Test]
    public void Validate_PayloadTamperedAfterSigning_IsBadSignature()
    {
        string token = Hs256($$"""{"sub":"u1","exp":{{Now + 300}}}""");
        string[] parts = token.Split('.');
        string forged = parts[0] + "." + B64($$"""{"sub":"admin","exp":{{Now + 300}}}""") + "." + parts[2];
        Assert.That(_validator.Validate(forged).Failure, Is.EqualTo(AuthFailure.BadSignature));
    }

    [Test]
    public void Validate_SignatureStripped_IsRefused()
    {
        string token = Hs256($$"""{"sub":"u1","exp":{{Now + 300}}}""");
        string stripped = token[..(token.LastIndexOf('.') + 1)];
        Assert.That(_validator.Validate(stripped).Succeeded, Is.False);
    }

    [Test]
    public void Validate_MissingSub_IsMissingClaim()
    {
        Assert.That(_validator.Validate(Hs256($$"""{"name":"alice","exp":{{Now + 300}}}""")).Failure, Is.EqualTo(AuthFailure.MissingClaim));
    }

    [Test]
    public void Validate_MissingExp_IsMissingClaim()
    {
        Assert.That(_validator.Validate(Hs256("""{"sub":"u1","name":"alice"}""")).Failure, Is.EqualTo(AuthFailure.MissingClaim));
    }

    [TestCase("""{"sub":"","exp":EXP}""")]
    [TestCase("""{"sub":"u1","name":7,"exp":EXP}""")]
    [TestCase("""{"sub":"u1","name":["a"],"exp":EXP}""")]
    public void Validate_IllTypedOrEmptyIdentityClaim_IsInvalidClaim(string payload)
    {
        AuthResult result = _validator.Validate(Hs256(payload.Replace("EXP", (Now + 300).ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.That(result.Failure, Is.EqualTo(AuthFailure.InvalidClaim));
    }

    [Test]
    public void Validate_NumericSub_IsReadAsItsDecimalString()
    {
        // The library reads sub as a string whatever its JSON type; a numeric id is common in the wild.
        AuthResult result = _validator.Validate(Hs256($$"""{"sub":42,"exp":{{Now + 300}}}"""));
        Assert.That((result.Succeeded, result.UserId, result.Username), Is.EqualTo((true, "42", "42")));
    }

    [TestCase("a", 64, true)]
    [TestCase("a", 65, false)]
    [TestCase("😀", 64, true)]   // characters, not UTF-16 units or bytes
    [TestCase("😀", 65, false)]
    public void Validate_NameLength_AtLimitAcceptedPastRefused(string unit, int count, bool accepted)
    {
        string name = string.Concat(Enumerable.Repeat(unit, count));
        AuthResult result = _validator.Validate(JwtTokens.Create(Secret, "u1", name, TimeSpan.FromMinutes(5)));
        Assert.That(result.Succeeded, Is.EqualTo(accepted), result.ToString());
        if (accepted) Assert.That(result.Username, Is.EqualTo(name));
        else Assert.That(result.Failure, Is.EqualTo(AuthFailure.InvalidClaim));
    }

    [TestCase(256, true)]
    [TestCase(257, false)]
    public void Validate_SubLength_AtLimitAcceptedPastRefused(int length, bool accepted)
    {
        AuthResult result = _validator.Validate(JwtTokens.Create(Secret, new string('u', length), "n", TimeSpan.FromMinutes(5)));
        Assert.That(result.Succeeded, Is.EqualTo(accepted), result.ToString());
    }

    [TestCase("")]
    [TestCase("not-a-jwt")]
    [TestCase("a.b")]
    [TestCase("a.b.c")]
    [TestCase("....")]
    [TestCase("eyJhbGciOiJIUzI1NiJ9.!!!.sig")]
    public void Validate_Malformed_IsMalformed(string token)
    {
        Assert.That(_validator.Validate(token).Failure, Is.EqualTo(AuthFailure.Malformed));
    }

    [Test]
    public void Validate_HeaderNotJson_IsMalformed()
    {
        string token = B64("not json") + "." + B64("""{"sub":"u1"}""") + ".c2ln";
        Assert.That(_validator.Validate(token).Failure, Is.EqualTo(AuthFailure.Malformed));
    }

    [Test]
    public void Validate_TokenAtAndPastTheSizeLimit_AcceptedThenTooLong()
    {
        // base64url lengths skip some values, so find the longest valid token ≤ 4096 and the shortest > 4096.
        string? atLimit = null, pastLimit = null;
        for (int pad = 2900; pad < 3100 && (atLimit is null || pastLimit is null); pad++)
        {
            string token = Hs256($$"""{"sub":"u1","exp":{{Now + 300}},"pad":"{{new string('p', pad)}}"}""");
            if (token.Length <= 4096) atLimit = token;
            else pastLimit ??= token;
        }

        Assert.That(atLimit, Has.Length.InRange(4094, 4096));
        Assert.That(pastLimit, Has.Length.InRange(4097, 4099));
        Assert.That(_validator.Validate(atLimit!).Succeeded, Is.True);
        Assert.That(_validator.Validate(pastLimit!).Failure, Is.EqualTo(AuthFailure.TooLong));
    }

    [Test]
    public void Validate_HugeUtf8Token_IsTooLongWithoutParsing()
    {
        byte[] junk = new byte[64 * 1024];
        Array.Fill(junk, (byte)'A');
        Assert.That(_validator.Validate(junk).Failure, Is.EqualTo(AuthFailure.TooLong));
    }

    [Test]
    public void Validate_IssuerAndAudienceNotConfigured_TokensWithThemAreAccepted()
    {
        string token = JwtTokens.Create(Secret, "u1", "a", TimeSpan.FromMinutes(5), issuer: "anyone", audience: "anything");
        Assert.That(_validator.Validate(token).Succeeded, Is.True);
    }

    [Test]
    public void Validate_ConfiguredIssuer_RightAcceptedWrongOrMissingRefused()
    {
        var validator = new JwtValidator(new JwtOptions { Secret = Secret, Issuer = "wschat" });
        Assert.That(validator.Validate(JwtTokens.Create(Secret, "u1", "a", TimeSpan.FromMinutes(5), issuer: "wschat")).Succeeded, Is.True);
        Assert.That(validator.Validate(JwtTokens.Create(Secret, "u1", "a", TimeSpan.FromMinutes(5), issuer: "evil")).Failure, Is.EqualTo(AuthFailure.WrongIssuer));
        Assert.That(validator.Validate(JwtTokens.Create(Secret, "u1", "a", TimeSpan.FromMinutes(5))).Failure, Is.EqualTo(AuthFailure.WrongIssuer));
    }

    [Test]
    public void Validate_ConfiguredAudience_RightAcceptedWrongOrMissingRefused()
    {
        var validator = new JwtValidator(new JwtOptions { Secret = Secret, Audience = "chat" });
        Assert.That(validator.Validate(JwtTokens.Create(Secret, "u1", "a", TimeSpan.FromMinutes(5), audience: "chat")).Succeeded, Is.True);
        Assert.That(validator.Validate(Hs256($$"""{"sub":"u1","aud":["other","chat"],"exp":{{Now + 300}}}""")).Succeeded, Is.True);
        Assert.That(validator.Validate(JwtTokens.Create(Secret, "u1", "a", TimeSpan.FromMinutes(5), audience: "billing")).Failure, Is.EqualTo(AuthFailure.WrongAudience));
        Assert.That(validator.Validate(JwtTokens.Create(Secret, "u1", "a", TimeSpan.FromMinutes(5))).Failure, Is.EqualTo(AuthFailure.WrongAudience));
    }

    [TestCase(31, false)]
    [TestCase(32, true)]
    public void Constructor_SecretLength_AtLeast32Bytes(int length, bool accepted)
    {
        var options = new JwtOptions { Secret = new string('s', length) };
        if (accepted)
        {
            Assert.That(new JwtValidator(options), Is.Not.Null);
            return;
        }

        var e = Assert.Throws<ArgumentException>(() => new JwtValidator(options));
        Assert.That(e!.Message, Does.Contain("31 bytes").And.Contain("at least 32 bytes"));
    }

    [Test]
    public void Constructor_SecretCountsUtf8Bytes_NotCharacters()
    {
        // 16 × "é" is 16 characters but 32 bytes.
        Assert.That(new JwtValidator(new JwtOptions { Secret = new string('é', 16) }), Is.Not.Null);
    }

    [Test]
    public void Create_SecretTooShort_Throws()
    {
        Assert.Throws<ArgumentException>(() => JwtTokens.Create("short", "u1", "a", TimeSpan.FromMinutes(5)));
    }

    [Test]
    public void Create_EmptySub_Throws()
    {
        Assert.Throws<ArgumentException>(() => JwtTokens.Create(Secret, "", "a", TimeSpan.FromMinutes(5)));
    }

    [Test]
    public void Create_Token_IsHs256WithTheExpectedClaims()
    {
        var issued = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var jwt = new JsonWebToken(JwtTokens.Create(Secret, "u1", "alice", TimeSpan.FromMinutes(10), "iss1", "aud1", issued));
        Assert.That(jwt.Alg, Is.EqualTo("HS256"));
        Assert.That((jwt.Subject, jwt.GetClaim("name").Value, jwt.Issuer), Is.EqualTo(("u1", "alice", "iss1")));
        Assert.That(jwt.Audiences, Is.EqualTo(new[] { "aud1" }));
        Assert.That(jwt.IssuedAt, Is.EqualTo(issued.UtcDateTime));
        Assert.That(jwt.ValidFrom, Is.EqualTo(issued.UtcDateTime));
        Assert.That(jwt.ValidTo, Is.EqualTo(issued.UtcDateTime.AddMinutes(10)));
    }

    [Test]
    public void AuthFailures_EveryReason_HasADistinctMetricName()
    {
        AuthFailure[] failures = Enum.GetValues<AuthFailure>().Where(f => f != AuthFailure.None).ToArray();
        Assert.That(failures.Select(AuthFailures.MetricName).Distinct().Count(), Is.EqualTo(failures.Length));
        Assert.That(failures.Select(AuthFailures.MetricName), Has.None.EqualTo("unknown"));
        Assert.That(AuthFailures.MetricName(AuthFailure.BadSignature), Is.EqualTo("bad_signature"));
    }

    [Test]
    public void DefaultResult_IsNotASuccess()
    {
        AuthResult none = default;
        Assert.That((none.Succeeded, none.UserId, none.Username), Is.EqualTo((false, "", "")));
    }
}
