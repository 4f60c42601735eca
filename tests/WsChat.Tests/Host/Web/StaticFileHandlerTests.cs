using System.Text;
using WsChat.Host.Web;

namespace WsChat.Tests.Host.Web;

public class StaticFileHandlerTests
{
    private StaticAssetCatalog _catalog = null!;
    private StaticFileHandler _handler = null!;

    [SetUp]
    public void SetUp()
    {
        _catalog = new StaticAssetCatalog(new Dictionary<string, byte[]>
        {
            ["index.html"] = Encoding.UTF8.GetBytes("<link href=\"/static/app.css\"><script src=\"/static/app.js\"></script>"),
            ["app.js"] = Encoding.UTF8.GetBytes("import './wschat.js';"),
            ["wschat.js"] = Encoding.UTF8.GetBytes("export const x = 1;"),
            ["app.css"] = Encoding.UTF8.GetBytes("body{}"),
        });
        _handler = new StaticFileHandler(_catalog, ["https://login.example"]);
    }

    private static string? Header(StaticFileResponse r, string name) =>
        r.Headers.Where(h => h.Key == name).Select(h => h.Value).SingleOrDefault();

    [TestCase("/")]
    [TestCase("/index.html")]
    public void Handle_Root_ServesIndexHtmlThatIsRevalidatedEveryTime(string path)
    {
        var r = _handler.Handle("GET", path, "", null);
        Assert.That(r.StatusCode, Is.EqualTo(200));
        Assert.That(r.ContentType, Is.EqualTo("text/html; charset=utf-8"));
        Assert.That(r.Body.ToArray(), Is.EqualTo(_catalog.Assets["index.html"].Body));
        Assert.That(Header(r, "Cache-Control"), Is.EqualTo("no-cache"));
        Assert.That(Header(r, "ETag"), Is.EqualTo(_catalog.Assets["index.html"].ETag));
    }

    [Test]
    public void Handle_Index_SendsContentSecurityPolicyWithConfiguredOrigins()
    {
        string? csp = Header(_handler.Handle("GET", "/", "", null), "Content-Security-Policy");
        Assert.That(csp, Does.Contain("script-src 'self'"));
        Assert.That(csp, Does.Contain("connect-src 'self' ws: wss: https://login.example;"));
        Assert.That(csp, Does.Contain("frame-ancestors 'none'"));
        Assert.That(Header(_handler.Handle("GET", "/static/app.js", "", null), "Content-Security-Policy"), Is.Null, "only documents need it");
    }

    [Test]
    public void Handle_AssetWithItsFingerprint_IsImmutableForAYear()
    {
        var asset = _catalog.Assets["app.js"];
        var r = _handler.Handle("GET", "/static/app.js", "v=" + asset.Fingerprint, null);
        Assert.That(r.StatusCode, Is.EqualTo(200));
        Assert.That(r.ContentType, Is.EqualTo("text/javascript; charset=utf-8"));
        Assert.That(Header(r, "Cache-Control"), Is.EqualTo("public, max-age=31536000, immutable"));
        Assert.That(Header(r, "X-Content-Type-Options"), Is.EqualTo("nosniff"));
    }

    [Test]
    public void Handle_AssetWithoutFingerprint_IsCachedFiveMinutes() =>
        Assert.That(Header(_handler.Handle("GET", "/static/wschat.js", "", null), "Cache-Control"), Is.EqualTo("public, max-age=300"));

    [Test]
    public void Handle_AssetWithStaleFingerprint_IsServedButRevalidated()
    {
        var r = _handler.Handle("GET", "/static/app.css", "x=1&v=0123456789abcdef", null);
        Assert.That(r.StatusCode, Is.EqualTo(200));
        Assert.That(Header(r, "Cache-Control"), Is.EqualTo("no-cache"), "an old URL must not pin new bytes for a year");
    }

    [Test]
    public void Handle_IfNoneMatchEqualsETag_Answers304WithoutBody()
    {
        string etag = _catalog.Assets["index.html"].ETag;
        var r = _handler.Handle("GET", "/", "", etag);
        Assert.That(r.StatusCode, Is.EqualTo(304));
        Assert.That(r.Body.IsEmpty, Is.True);
        Assert.That(Header(r, "ETag"), Is.EqualTo(etag));
        Assert.That(Header(r, "Cache-Control"), Is.EqualTo("no-cache"));
    }

    [Test]
    public void Handle_IfNoneMatchOtherTag_Answers200()
    {
        var r = _handler.Handle("GET", "/", "", "\"0000000000000000\"");
        Assert.That(r.StatusCode, Is.EqualTo(200));
        Assert.That(r.Body.Length, Is.EqualTo(_catalog.Assets["index.html"].Body.Length));
    }

    [TestCase("*")]
    [TestCase("\"aaaa\", {0}")]
    [TestCase("W/{0}")]
    [TestCase("  \"x\" ,W/{0} ")]
    public void Matches_ListStarOrWeakTag_Matches(string format)
    {
        const string etag = "\"abcdef\"";
        Assert.That(StaticFileHandler.Matches(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, etag), etag), Is.True);
    }

    [TestCase("")]
    [TestCase(",")]
    [TestCase("abcdef")]
    [TestCase("\"abcdef")]
    [TestCase("\"ABCDEF\"")]
    [TestCase("W/")]
    [TestCase("\"abcdefg\"")]
    public void Matches_MalformedOrDifferentTag_DoesNotMatch(string header) =>
        Assert.That(StaticFileHandler.Matches(header, "\"abcdef\""), Is.False);

    [Test]
    public void Handle_Head_AnswersAsGet_TheTransportLeavesTheBodyOut()
    {
        var r = _handler.Handle("HEAD", "/static/app.css", "", null);
        Assert.That(r.StatusCode, Is.EqualTo(200));
        Assert.That(r.Body.ToArray(), Is.EqualTo(_catalog.Assets["app.css"].Body), "its length is the Content-Length");
        Assert.That(Header(r, "ETag"), Is.EqualTo(_catalog.Assets["app.css"].ETag));
    }

    [TestCase("POST")]
    [TestCase("PUT")]
    [TestCase("get")]
    [TestCase("DELETE")]
    public void Handle_OtherMethod_Answers405WithAllow(string method)
    {
        var r = _handler.Handle(method, "/", "", null);
        Assert.That(r.StatusCode, Is.EqualTo(405));
        Assert.That(Header(r, "Allow"), Is.EqualTo("GET, HEAD"));
    }

    [TestCase("/static/")]
    [TestCase("/static/nope.js")]
    [TestCase("/static/App.js")]
    [TestCase("/static/../app.js")]
    [TestCase("/static/./app.js")]
    [TestCase("/static//app.js")]
    [TestCase("/static/%61pp.js")]
    [TestCase("/static/app.js/")]
    [TestCase("/static/index.html")]
    [TestCase("/app.js")]
    [TestCase("/static/../../../etc/passwd")]
    public void Handle_UnknownOrTraversingPath_Answers404(string path)
    {
        var r = _handler.Handle("GET", path, "", null);
        Assert.That(r.StatusCode, Is.EqualTo(404));
        Assert.That(Encoding.UTF8.GetString(r.Body.Span), Is.EqualTo("Not Found"));
    }

    [TestCase("", "v", null)]
    [TestCase("v=1", "v", "1")]
    [TestCase("a=2&v=3", "v", "3")]
    [TestCase("vv=3", "v", null)]
    [TestCase("v", "v", null)]
    [TestCase("v=", "v", "")]
    [TestCase("&&v=x&", "v", "x")]
    public void QueryValue_Parses(string query, string name, string? expected) =>
        Assert.That(StaticFileHandler.QueryValue(query, name), Is.EqualTo(expected));

    [TestCase("/", true)]
    [TestCase("/index.html", true)]
    [TestCase("/static/x", true)]
    [TestCase("/ws", false)]
    [TestCase("/staticx", false)]
    public void Owns_Path(string path, bool owns) => Assert.That(StaticFileHandler.Owns(path), Is.EqualTo(owns));
}
