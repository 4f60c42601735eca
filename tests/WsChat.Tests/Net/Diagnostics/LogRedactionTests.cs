using System.Text;
using WsChat.Net.Diagnostics;

namespace WsChat.Tests.Net.Diagnostics;

public class LogRedactionTests
{
    private const string Jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl";

    [TestCase("/ws", "/ws")]
    [TestCase("/ws?", "/ws?")]
    [TestCase("/ws?token=" + Jwt, "/ws?token=***")]
    [TestCase("/ws?room=a&token=" + Jwt + "&x=1", "/ws?room=a&token=***&x=1")]
    [TestCase("/ws?access_token=" + Jwt, "/ws?access_token=***")]
    [TestCase("/ws?TOKEN=" + Jwt, "/ws?TOKEN=***")]
    [TestCase("/ws?tok%65n=" + Jwt, "/ws?tok%65n=***")]
    [TestCase("/ws?token=a&token=b", "/ws?token=***&token=***")]
    [TestCase("/ws?token=", "/ws?token=***")]
    [TestCase("/ws?token", "/ws?token")]
    [TestCase("/ws?tokens=x&user=alice", "/ws?tokens=***&user=alice")]
    [TestCase("/ws?user=alice&room=token", "/ws?user=alice&room=token")]
    [TestCase("/ws?%zz=1&token=" + Jwt, "/ws?%zz=1&token=***")]
    public void RedactTarget_QueryWithOrWithoutToken_MasksOnlyCredentialValues(string target, string expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(LogRedaction.RedactTarget(target.AsSpan()), Is.EqualTo(expected));
            Assert.That(LogRedaction.RedactTarget(Encoding.UTF8.GetBytes(target)), Is.EqualTo(expected));
        });
    }

    [Test]
    public void RedactTarget_HostileQueries_NeverLeakTheToken()
    {
        string[] hostile =
        [
            "/ws?&&&token=" + Jwt + "&&",
            "/ws?a=b=c&token=" + Jwt,
            "/ws??token=" + Jwt,
            "/ws?x=%&token=" + Jwt,
            "/ws?" + new string('&', 10_000) + "token=" + Jwt,
        ];
        foreach (string target in hostile)
            Assert.That(LogRedaction.RedactTarget(target.AsSpan()), Does.Not.Contain(Jwt), target[..Math.Min(target.Length, 40)]);
    }
}
