using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using WsChat.Core.Auth;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd;

/// <summary>The web client's routes on the real wschat process over loopback HTTP: the page, its fingerprinted
/// files with their caching headers, 304s, HEAD, the sign-in settings and the development token endpoint.</summary>
[NonParallelizable]
public partial class WebServingTests
{
    private WsChatProcess _server = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUp()
    {
        _server = await WsChatProcess.StartAsync(CancellationToken.None, WsChatProcess.DevelopmentArguments);
        _http = new HttpClient { BaseAddress = _server.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    [OneTimeTearDown]
    public async Task OneTimeTearDown()
    {
        _http?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
    }

    [GeneratedRegex("\"/static/app\\.js\\?v=([0-9a-f]{16})\"")]
    private static partial Regex AppScript();

    [Test, CancelAfter(30_000)]
    public async Task Root_ServesThePageRevalidatedWithETagAndPolicy()
    {
        using HttpResponseMessage response = await _http.GetAsync("/");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/html; charset=utf-8"));
        Assert.That(response.Headers.CacheControl?.NoCache, Is.True);
        Assert.That(response.Headers.CacheControl?.NoStore, Is.False);
        Assert.That(response.Headers.ETag?.IsWeak, Is.False);
        Assert.That(response.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("script-src 'self'"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Match(AppScript().ToString()));
    }

    [Test, CancelAfter(30_000)]
    public async Task Root_IfNoneMatchItsETag_Answers304WithoutBody()
    {
        using HttpResponseMessage first = await _http.GetAsync("/");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using HttpResponseMessage second = await _http.SendAsync(request);
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(second.Headers.ETag, Is.EqualTo(first.Headers.ETag));
        Assert.That(await second.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test, CancelAfter(30_000)]
    public async Task VersionedScriptFromThePage_IsJavaScriptImmutableForAYear()
    {
        string page = await _http.GetStringAsync("/");
        string version = AppScript().Match(page).Groups[1].Value;
        using HttpResponseMessage response = await _http.GetAsync("/static/app.js?v=" + version);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript"));
        Assert.That(response.Headers.CacheControl?.MaxAge, Is.EqualTo(TimeSpan.FromDays(365)));
        Assert.That(response.Headers.CacheControl?.Public, Is.True);
        Assert.That(response.Headers.ETag?.Tag, Is.EqualTo($"\"{version}\""), "the fingerprint is the entity tag");
        Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Match(@"from '\./wschat\.js\?v=[0-9a-f]{16}'"));
    }

    [Test, CancelAfter(30_000)]
    public async Task Head_OnTheLibrary_GivesItsLengthWithoutTheBytes()
    {
        byte[] body = await _http.GetByteArrayAsync("/static/wschat.js");
        using HttpResponseMessage head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/static/wschat.js"));
        Assert.That(head.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(head.Content.Headers.ContentLength, Is.EqualTo(body.Length));
        Assert.That(await head.Content.ReadAsByteArrayAsync(), Is.Empty);
        Assert.That(head.Headers.CacheControl?.MaxAge, Is.EqualTo(TimeSpan.FromMinutes(5)), "an unversioned URL is cached briefly");
    }

    [TestCase("/static/nope.js")]
    [TestCase("/static/../appsettings.json")]
    [TestCase("/static/")]
    public async Task UnknownStaticPath_Answers404(string path)
    {
        using HttpResponseMessage response = await _http.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test, CancelAfter(30_000)]
    public async Task Post_ToThePage_Answers405()
    {
        using HttpResponseMessage response = await _http.PostAsync("/", new StringContent("x"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }

    [Test, CancelAfter(30_000)]
    public async Task ConfigJson_SaysDevelopmentMode()
    {
        using JsonDocument config = JsonDocument.Parse(await _http.GetStringAsync("/config.json"));
        Assert.That(config.RootElement.GetProperty("development").GetBoolean(), Is.True);
    }

    [Test, CancelAfter(30_000)]
    public async Task DevToken_MintsATokenTheServerSecretValidates()
    {
        using HttpResponseMessage response = await _http.GetAsync("/dev/token?user=alice");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        AuthResult result = new JwtValidator(new JwtOptions { Secret = WsChatProcess.TestSecret }).Validate(json.RootElement.GetProperty("token").GetString()!);
        Assert.That(result.Succeeded, Is.True, result.Failure.ToString());
        Assert.That(result.UserId, Is.EqualTo("alice"));
        Assert.That(result.Username, Is.EqualTo("alice"));
    }

    [TestCase("/dev/token")]
    [TestCase("/dev/token?user=")]
    [TestCase("/dev/token?user=%3Cimg%3E")]
    public async Task DevToken_BadName_Answers400(string url)
    {
        using HttpResponseMessage response = await _http.GetAsync(url);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test, CancelAfter(90_000)]
    public async Task DevToken_WithoutDevelopmentMode_DoesNotExist()
    {
        await using WsChatProcess production = await WsChatProcess.StartAsync(CancellationToken.None, "--WsChat:JwtSecret=" + WsChatProcess.TestSecret);
        using var http = new HttpClient { BaseAddress = production.BaseUri };
        using HttpResponseMessage token = await http.GetAsync("/dev/token?user=alice");
        Assert.That(token.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using JsonDocument config = JsonDocument.Parse(await http.GetStringAsync("/config.json"));
        Assert.That(config.RootElement.GetProperty("development").GetBoolean(), Is.False);
        using HttpResponseMessage page = await http.GetAsync("/");
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the page itself is served in production");
    }
}
