using System.Text;
using System.Text.Json;
using WsChat.Host.Web;

namespace WsChat.Tests.Host.Web;

public class DevTokenHandlerTests
{
    private readonly List<(string User, TimeSpan Lifetime)> _minted = [];

    [SetUp]
    public void SetUp() => _minted.Clear(); // NUnit shares one fixture instance between tests

    private DevTokenHandler Handler() => new((user, lifetime) => { _minted.Add((user, lifetime)); return "tok-" + user; });

    [Test]
    public void Handle_ValidName_MintsTokenForThatNameAndForbidsCaching()
    {
        var r = Handler().Handle("GET", "alice.b-2_x");
        Assert.That(r.StatusCode, Is.EqualTo(200));
        Assert.That(r.ContentType, Is.EqualTo("application/json; charset=utf-8"));
        using var json = JsonDocument.Parse(r.Body);
        Assert.That(json.RootElement.GetProperty("token").GetString(), Is.EqualTo("tok-alice.b-2_x"));
        Assert.That(json.RootElement.GetProperty("user_id").GetString(), Is.EqualTo("alice.b-2_x"));
        Assert.That(json.RootElement.GetProperty("username").GetString(), Is.EqualTo("alice.b-2_x"));
        Assert.That(json.RootElement.GetProperty("expires_at").GetInt64(), Is.GreaterThan(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        Assert.That(_minted, Is.EqualTo(new[] { ("alice.b-2_x", DevTokenHandler.Lifetime) }));
        Assert.That(r.Headers, Does.Contain(new KeyValuePair<string, string>("Cache-Control", "no-store")));
    }

    [Test]
    public void Handle_NameAtLimitOf64_IsMinted() =>
        Assert.That(Handler().Handle("GET", new string('a', 64)).StatusCode, Is.EqualTo(200));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("a b")]
    [TestCase("<img src=x>")]
    [TestCase("ålice")]
    [TestCase("alice\n")]
    [TestCase("a/b")]
    [TestCase("аlice")] // Cyrillic а: a look-alike of a Latin name
    public void Handle_BadName_Answers400AndMintsNothing(string? name)
    {
        var r = Handler().Handle("GET", name);
        Assert.That(r.StatusCode, Is.EqualTo(400));
        Assert.That(Encoding.UTF8.GetString(r.Body.Span), Does.StartWith("user:"));
        Assert.That(_minted, Is.Empty);
    }

    [Test]
    public void Handle_NameOverLimit_Answers400() =>
        Assert.That(Handler().Handle("GET", new string('a', 65)).StatusCode, Is.EqualTo(400));

    [TestCase("POST")]
    [TestCase("HEAD")]
    public void Handle_NotGet_Answers405(string method)
    {
        var r = Handler().Handle(method, "alice");
        Assert.That(r.StatusCode, Is.EqualTo(405));
        Assert.That(_minted, Is.Empty);
    }
}
