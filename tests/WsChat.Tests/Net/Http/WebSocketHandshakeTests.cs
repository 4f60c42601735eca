using System.Buffers;
using System.Text;
using WsChat.Net.Http;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Http;

public class WebSocketHandshakeTests
{
    // A real Chromium upgrade request (headers as Chrome 13x sends them).
    internal const string BrowserUpgrade =
        "GET /ws?token=abc.def-ghi HTTP/1.1\r\n" +
        "Host: localhost:8080\r\n" +
        "Connection: Upgrade\r\n" +
        "Pragma: no-cache\r\n" +
        "Cache-Control: no-cache\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n" +
        "Upgrade: websocket\r\n" +
        "Origin: http://localhost:8080\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Accept-Language: en-US,en;q=0.9\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
        "\r\n";

    internal static HttpRequestHead Parse(string head)
    {
        var request = new HttpRequestHead();
        OperationStatus status = RequestHeadParser.TryParse(Segmentations.Whole(Encoding.UTF8.GetBytes(head)), request, out _, out int code);
        Assert.That(status, Is.EqualTo(OperationStatus.Done), $"status code {code}");
        return request;
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
    public void Validate_BrowserUpgrade_IsAccepted()
    {
        using HttpRequestHead request = Parse(BrowserUpgrade);
        Assert.That(WebSocketHandshake.Validate(request, OriginPolicy.SameHostOnly), Is.EqualTo(HandshakeResult.Accepted));
    }

    [Test]
    public void WriteSwitchingProtocols_BrowserUpgrade_Writes101WithAccept()
    {
        using HttpRequestHead request = Parse(BrowserUpgrade);
        var buffer = new byte[256];
        int written = WebSocketHandshake.WriteSwitchingProtocols(request, buffer);
        Assert.That(written, Is.EqualTo(WebSocketHandshake.SwitchingProtocolsLength));
        Assert.That(Encoding.ASCII.GetString(buffer, 0, written), Is.EqualTo(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
    }
}
