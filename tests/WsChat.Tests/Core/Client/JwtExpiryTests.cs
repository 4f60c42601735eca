using WsChat.Core.Client;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Client;

/// <summary>The client reads a token's exp (without checking it) to refresh it in time.</summary>
public class JwtExpiryTests
{
    [Test]
    public void TryRead_MintedToken_ReadsExp()
    {
        var expires = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);
        Assert.That(JwtExpiry.TryRead(TestTokens.Mint("u1", "alice", expires), out DateTimeOffset read), Is.True);
        Assert.That(read, Is.EqualTo(expires));
    }

    [TestCase("")]
    [TestCase("no-dots")]
    [TestCase("a.b")]
    [TestCase("a.!!!.c")]                                    // not base64url
    [TestCase("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.x")]    // {"sub":"u"}: no exp
    [TestCase("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOiJzb29uIn0.x")] // {"exp":"soon"}
    [TestCase("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOi0xfQ.x")]      // {"exp":-1}
    [TestCase("eyJhbGciOiJIUzI1NiJ9.W10.x")]                 // []
    [TestCase("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE.x")]         // {"exp":1 (truncated)
    public void TryRead_NotAJwtWithANumericExp_False(string token) =>
        Assert.That(JwtExpiry.TryRead(token, out _), Is.False);

    [Test]
    public void TryRead_OverFourKiB_False() =>
        Assert.That(JwtExpiry.TryRead(TestTokens.Mint("u1", new string('n', 64)) + new string('x', 4096), out _), Is.False);
}
