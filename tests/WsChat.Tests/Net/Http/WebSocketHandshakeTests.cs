using System.Buffers;
using System.Text;
using WsChat.Net.Http;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Http;

public class WebSocketHandshakeTests
{
    internal static HttpRequestHead Parse(string head)
    {
        var request = new HttpRequestHead();
        OperationStatus status = RequestHeadParser.TryParse(Segmentations.Whole(Encoding.UTF8.GetBytes(head)), request, out _, out int code);
        Assert.That(status, Is.EqualTo(OperationStatus.Done), $"status code {code}");
        return request;
    }

    // A minimal valid upgrade with one header replaced (or removed when the replacement is null).
    private static string Upgrade(string? method = "GET", string? upgrade = "websocket", string? connection = "Upgrade", string? version = "13",
        string? key = "dGhlIHNhbXBsZSBub25jZQ==", string? origin = null, string host = "chat.example.com", string extra = "")
    {
        var sb = new StringBuilder($"{method} /ws HTTP/1.1\r\nHost: {host}\r\n");
        if (upgrade is not null) sb.Append($"Upgrade: {upgrade}\r\n");
        if (connection is not null) sb.Append($"Connection: {connection}\r\n");
        if (version is not null) sb.Append($"Sec-WebSocket-Version: {version}\r\n");
        if (key is not null) sb.Append($"Sec-WebSocket-Key: {key}\r\n");
        if (origin is not null) sb.Append($"Origin: {origin}\r\n");
        return sb.Append(extra).Append("\r\n").ToString();
    }

    private static HandshakeResult Validate(string head, OriginPolicy? policy = null)
    {
        using HttpRequestHead request = Parse(head);
        return WebSocketHandshake.Validate(request, policy ?? OriginPolicy.SameHostOnly);
    }

    [Test]
    public void ComputeAccept_Rfc6455Example_MatchesRfc()
    {
        // RFC 6455 §1.3: key "dGhlIHNhbXBsZSBub25jZQ==" → accept "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
        Span<byte> accept = stackalloc byte[WebSocketHandshake.AcceptLength];
        WebSocketHandshake.ComputeAccept("dGhlIHNhbXBsZSBub25jZQ=="u8, accept);
        Assert.That(Encoding.ASCII.GetString(accept), Is.EqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }

    [Test]
    public void ComputeAccept_RandomKeys_MatchesSha1OfKeyAndGuid()
    {
        var random = new Random(13);
        Span<byte> accept = stackalloc byte[WebSocketHandshake.AcceptLength];
        for (int i = 0; i < 50; i++)
        {
            var nonce = new byte[16];
            random.NextBytes(nonce);
            string key = Convert.ToBase64String(nonce);
            string expected = Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            WebSocketHandshake.ComputeAccept(Encoding.ASCII.GetBytes(key), accept);
            Assert.That(Encoding.ASCII.GetString(accept), Is.EqualTo(expected));
        }
    }

    [Test]
    public void Validate_BrowserUpgrade_IsAccepted() => Assert.That(Validate(BrowserRequests.ChromiumUpgrade), Is.EqualTo(HandshakeResult.Accepted));

    [Test]
    public void Validate_MinimalUpgradeWithoutOrigin_IsAccepted() => Assert.That(Validate(Upgrade()), Is.EqualTo(HandshakeResult.Accepted));

    [TestCase("POST"), TestCase("PUT"), TestCase("HEAD"), TestCase("get")]
    public void Validate_NotGet_IsMethodNotAllowed(string method) =>
        Assert.That(Validate(Upgrade(method: method)), Is.EqualTo(HandshakeResult.MethodNotAllowed));

    [TestCase(null), TestCase("h2c"), TestCase("websockets"), TestCase("")]
    public void Validate_UpgradeNotWebSocket_IsUpgradeRequired(string? upgrade) =>
        Assert.That(Validate(Upgrade(upgrade: upgrade)), Is.EqualTo(HandshakeResult.UpgradeRequired));

    [TestCase(null), TestCase("keep-alive"), TestCase("close"), TestCase("upgraded")]
    public void Validate_ConnectionWithoutUpgrade_IsUpgradeRequired(string? connection) =>
        Assert.That(Validate(Upgrade(connection: connection)), Is.EqualTo(HandshakeResult.UpgradeRequired));

    [TestCase("WebSocket", "upgrade")]
    [TestCase("h2c, websocket", "keep-alive, Upgrade")]   // Firefox sends "keep-alive, Upgrade"
    [TestCase("WEBSOCKET", "UPGRADE")]
    public void Validate_TokensInListsAnyCase_AreAccepted(string upgrade, string connection) =>
        Assert.That(Validate(Upgrade(upgrade: upgrade, connection: connection)), Is.EqualTo(HandshakeResult.Accepted));

    [TestCase(null), TestCase("8"), TestCase("12"), TestCase("14"), TestCase("13, 8"), TestCase("")]
    public void Validate_VersionNot13_IsVersionRequired(string? version) =>
        Assert.That(Validate(Upgrade(version: version)), Is.EqualTo(HandshakeResult.VersionRequired));

    [Test]
    public void Validate_TwoVersionHeaders_IsVersionRequired() =>
        Assert.That(Validate(Upgrade(extra: "Sec-WebSocket-Version: 8\r\n")), Is.EqualTo(HandshakeResult.VersionRequired));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("dGhlIHNhbXBsZSBub25jZQ=")]      // 23 characters
    [TestCase("dGhlIHNhbXBsZSBub25jZQ===")]    // 25 characters
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAA")]     // 24 characters but 18 bytes
    [TestCase("dGhlIHNhbXBsZSBub25jZQ!=")]     // not base64
    [TestCase("dGhlIHNhbXBsZSBub25j ZQ=")]     // space inside
    [TestCase("dGhlIHNhbXBsZSBub25jZQ")]       // no padding (22 characters)
    public void Validate_KeyNotBase64Of16Bytes_IsBadKey(string? key) =>
        Assert.That(Validate(Upgrade(key: key)), Is.EqualTo(HandshakeResult.BadKey));

    [Test]
    public void Validate_TwoKeys_IsBadKey() =>
        Assert.That(Validate(Upgrade(extra: "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n")), Is.EqualTo(HandshakeResult.BadKey));

    [TestCase("http://chat.example.com", "chat.example.com")]
    [TestCase("https://chat.example.com", "chat.example.com")]
    [TestCase("http://CHAT.example.com", "chat.example.COM")]
    [TestCase("http://chat.example.com:8080", "chat.example.com:8080")]
    [TestCase("http://chat.example.com", "chat.example.com:80")]
    [TestCase("https://chat.example.com:443", "chat.example.com")]
    [TestCase("http://[::1]:8080", "[::1]:8080")]
    [TestCase("http://127.0.0.1:5000", "127.0.0.1:5000")]
    public void Validate_SameHostOrigin_IsAccepted(string origin, string host) =>
        Assert.That(Validate(Upgrade(origin: origin, host: host)), Is.EqualTo(HandshakeResult.Accepted));

    [TestCase("http://evil.example.com", "chat.example.com")]
    [TestCase("http://chat.example.com:8081", "chat.example.com:8080")]
    [TestCase("https://chat.example.com", "chat.example.com:80")]
    [TestCase("http://chat.example.com.evil.com", "chat.example.com")]
    [TestCase("http://chat.example.com/path", "chat.example.com")]
    [TestCase("http://user@chat.example.com", "chat.example.com")]
    [TestCase("null", "chat.example.com")]
    [TestCase("file://", "chat.example.com")]
    [TestCase("chat.example.com", "chat.example.com")]
    [TestCase("http://chat.example.com:x", "chat.example.com")]
    public void Validate_OtherOrigin_IsForbidden(string origin, string host) =>
        Assert.That(Validate(Upgrade(origin: origin, host: host)), Is.EqualTo(HandshakeResult.ForbiddenOrigin));

    [Test]
    public void Validate_OriginInAllowedList_IsAccepted()
    {
        var policy = new OriginPolicy(["https://app.example.org/", "http://localhost:5173"]);
        Assert.That(Validate(Upgrade(origin: "https://APP.example.org"), policy), Is.EqualTo(HandshakeResult.Accepted));
        Assert.That(Validate(Upgrade(origin: "http://localhost:5173"), policy), Is.EqualTo(HandshakeResult.Accepted));
        Assert.That(Validate(Upgrade(origin: "http://localhost:5174"), policy), Is.EqualTo(HandshakeResult.ForbiddenOrigin));
    }

    [Test]
    public void Validate_WildcardPolicy_AcceptsAnyOrigin() =>
        Assert.That(Validate(Upgrade(origin: "https://anything.test"), new OriginPolicy(["*"])), Is.EqualTo(HandshakeResult.Accepted));

    [Test]
    public void Validate_TwoOrigins_IsForbidden() =>
        Assert.That(Validate(Upgrade(origin: "http://chat.example.com", extra: "Origin: http://evil.example.com\r\n")), Is.EqualTo(HandshakeResult.ForbiddenOrigin));

    [TestCase((int)HandshakeResult.Accepted, 101)]
    [TestCase((int)HandshakeResult.MethodNotAllowed, 405)]
    [TestCase((int)HandshakeResult.UpgradeRequired, 426)]
    [TestCase((int)HandshakeResult.VersionRequired, 426)]
    [TestCase((int)HandshakeResult.BadKey, 400)]
    [TestCase((int)HandshakeResult.ForbiddenOrigin, 403)]
    public void ToStatusCode_EachResult_IsTheProtocolStatus(int result, int status) =>
        Assert.That(((HandshakeResult)result).ToStatusCode(), Is.EqualTo(status));

    [TestCase((int)HandshakeResult.MethodNotAllowed, "HTTP/1.1 405 ", "Allow: GET\r\n")]
    [TestCase((int)HandshakeResult.UpgradeRequired, "HTTP/1.1 426 ", "Upgrade: websocket\r\n")]
    [TestCase((int)HandshakeResult.VersionRequired, "HTTP/1.1 426 ", "Sec-WebSocket-Version: 13\r\n")]
    [TestCase((int)HandshakeResult.BadKey, "HTTP/1.1 400 ", "Connection: close\r\n")]
    [TestCase((int)HandshakeResult.ForbiddenOrigin, "HTTP/1.1 403 ", "Connection: close\r\n")]
    public void RejectionResponse_EachFailure_CarriesItsStatusAndHeader(int result, string statusLine, string header)
    {
        string response = Encoding.ASCII.GetString(WebSocketHandshake.RejectionResponse((HandshakeResult)result).Span);
        Assert.That(response, Does.StartWith(statusLine));
        Assert.That(response, Does.Contain(header));
    }

    [Test]
    public void WriteSwitchingProtocols_BrowserUpgrade_Writes101WithAccept()
    {
        using HttpRequestHead request = Parse(BrowserRequests.ChromiumUpgrade);
        var buffer = new byte[256];
        int written = WebSocketHandshake.WriteSwitchingProtocols(request, buffer);
        Assert.That(written, Is.EqualTo(WebSocketHandshake.SwitchingProtocolsLength));
        Assert.That(Encoding.ASCII.GetString(buffer, 0, written), Is.EqualTo(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
    }

    [Test]
    public void WriteSwitchingProtocols_DestinationTooShort_Throws()
    {
        using HttpRequestHead request = Parse(BrowserRequests.ChromiumUpgrade);
        Assert.That(() => WebSocketHandshake.WriteSwitchingProtocols(request, new byte[128]), Throws.ArgumentException);
    }

    [Test]
    public void ValidateAndWrite101_AllocateNothing()
    {
        using HttpRequestHead request = Parse(BrowserRequests.ChromiumUpgrade);
        var buffer = new byte[256];
        WebSocketHandshake.Validate(request, OriginPolicy.SameHostOnly);
        WebSocketHandshake.WriteSwitchingProtocols(request, buffer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            WebSocketHandshake.Validate(request, OriginPolicy.SameHostOnly);
            WebSocketHandshake.WriteSwitchingProtocols(request, buffer);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
