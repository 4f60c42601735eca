using System.Net;
using WsChat.LoadGen.Options;

namespace WsChat.Tests.Tools;

public class OptionsParserTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef";

    [Test]
    public void TryParse_FanoutWithRampAndWorkers_SetsEverything()
    {
        string[] args = ["fanout", "ws://127.0.0.1:9000/ws", "--secret", Secret, "--connections", "10000", "--rooms", "100",
            "--ramp", "200:100:5", "--workers", "2", "--source-addresses", "127.0.0.1-127.0.0.4", "--message-size", "128"];
        Assert.That(OptionsParser.TryParse(args, out LoadOptions o, out string? error), Is.True, error);
        Assert.That(o.Scenario, Is.EqualTo(ScenarioKind.Fanout));
        Assert.That(o.Connections, Is.EqualTo(10000));
        Assert.That(o.Ramp, Is.EqualTo(new RampOptions(200, 100, 5)));
        Assert.That(o.Workers, Is.EqualTo(2));
        Assert.That(o.SourceAddresses, Has.Count.EqualTo(4));
        Assert.That(o.SourceAddresses[3], Is.EqualTo(IPAddress.Parse("127.0.0.4")));
        Assert.That(o.EffectiveSenders, Is.EqualTo(100));
    }

    [TestCase("ws://10.0.0.1:8080/ws")]
    [TestCase("ws://192.168.1.2/ws")]
    [TestCase("ws://example.org/ws")]
    [TestCase("wss://127.0.0.1/ws")]
    [TestCase("not a url")]
    public void TryParse_NonLoopbackOrNonWsUrl_IsRefused(string url)
    {
        Assert.That(OptionsParser.TryParse(["idle", url, "--anonymous"], out _, out string? error), Is.False);
        Assert.That(error, Is.Not.Empty);
    }

    [TestCase("ws://127.0.0.1:9000/ws,ws://10.0.0.1:9001/ws")]
    [TestCase("ws://127.0.0.1:9000/ws,")]
    [TestCase("ws://127.0.0.1:9000/ws,,ws://127.0.0.1:9001/ws")]
    public void TryParse_SeveralUrlsOneBad_IsRefused(string urls)
    {
        Assert.That(OptionsParser.TryParse(["idle", urls, "--anonymous"], out _, out string? error), Is.False);
        Assert.That(error, Is.Not.Empty);
    }

    [Test]
    public void TryParse_SeveralUrls_ConnectionsGoRoundRobin()
    {
        Assert.That(OptionsParser.TryParse(["idle", "ws://127.0.0.1:9000/ws, ws://127.0.0.2:9001/ws", "--anonymous"], out LoadOptions o, out string? error), Is.True, error);
        Assert.That(o.Urls.Select(u => u.Port), Is.EqualTo(new[] { 9000, 9001 }));
        Assert.That(o.Url.Port, Is.EqualTo(9000));
        var identity = new WsChat.LoadGen.Connections.Identity(o.Urls, secret: null);
        Assert.That(Enumerable.Range(0, 5).Select(i => identity.UrlFor(i).Port), Is.EqualTo(new[] { 9000, 9001, 9000, 9001, 9000 }));
        Assert.That(identity.UrlFor(3).Query, Is.EqualTo("?user=u3"));
    }

    [TestCase("10.0.0.1")]
    [TestCase("127.0.0.5-127.0.0.1")]
    [TestCase("127.0.0.1-10.0.0.1")]
    [TestCase("::1")]
    public void TryParse_SourceAddressesOutsideLoopback4_AreRefused(string list) =>
        Assert.That(OptionsParser.TryParse(["idle", "ws://127.0.0.1:1/ws", "--anonymous", "--source-addresses", list], out _, out _), Is.False);

    [TestCase("--anonymous", "--secret", Secret)]
    [TestCase("--connections", "0", "--anonymous")]
    [TestCase("--secret", "short")]
    [TestCase("--anonymous", "--message-size", "23")]
    [TestCase("--anonymous", "--ramp", "1:2")]
    [TestCase("--anonymous", "--bogus", "1")]
    [TestCase("--anonymous", "--connections")]
    public void TryParse_BadOptions_AreRefused(params string[] options) =>
        Assert.That(OptionsParser.TryParse(["fanout", "ws://127.0.0.1:1/ws", .. options], out _, out _), Is.False);

    [TestCase("epoll", "Epoll")]
    [TestCase("wschat", "WsChat")]
    [TestCase("BCL", "Bcl")]
    public void TryParse_Client_IsChosen(string name, string expected)
    {
        ClientKind kind = Enum.Parse<ClientKind>(expected);
        if (kind == ClientKind.Epoll && !WsChat.LoadGen.Connections.Epoll.ReceiveLoop.IsSupported) Assert.Ignore("Linux x64/arm64 only");
        Assert.That(OptionsParser.TryParse(["fanout", "ws://127.0.0.1:1/ws", "--anonymous", "--client", name, "--receive-threads", "2"], out LoadOptions o, out string? error), Is.True, error);
        Assert.That((o.Client, o.ReceiveThreads), Is.EqualTo((kind, 2)));
    }

    [Test]
    public void TryParse_NoClient_IsTheEpollLoopOnLinux()
    {
        Assert.That(OptionsParser.TryParse(["fanout", "ws://127.0.0.1:1/ws", "--anonymous"], out LoadOptions o, out string? error), Is.True, error);
        Assert.That(o.Client, Is.EqualTo(WsChat.LoadGen.Connections.Epoll.ReceiveLoop.IsSupported ? ClientKind.Epoll : ClientKind.WsChat));
        Assert.That(o.ReceiveThreads, Is.EqualTo(1));
    }

    [TestCase("--client", "bogus")]
    [TestCase("--client", "1")]
    [TestCase("--receive-threads", "0")]
    [TestCase("--receive-threads", "x")]
    public void TryParse_BadClientOptions_AreRefused(string option, string value)
    {
        Assert.That(OptionsParser.TryParse(["fanout", "ws://127.0.0.1:1/ws", "--anonymous", option, value], out _, out string? error), Is.False);
        Assert.That(error, Does.Contain(value));
    }

    [Test]
    public void TryParse_DmWithAnOddNumberOfConnections_IsRefused() =>
        Assert.That(OptionsParser.TryParse(["dm", "ws://127.0.0.1:1/ws", "--anonymous", "--connections", "5"], out _, out _), Is.False);
}
