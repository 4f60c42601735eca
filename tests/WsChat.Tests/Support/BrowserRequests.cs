namespace WsChat.Tests.Support;

/// <summary>
/// Requests as a browser sends them, shared by the tests and the benchmarks (benchmarks/WsChat.Benchmarks
/// links this file), so that what is measured is what is checked.
/// </summary>
internal static class BrowserRequests
{
    /// <summary>The token in <see cref="ChromiumUpgrade"/>'s query: JWT-sized, as the web page sends it (PROTOCOL.md §2).</summary>
    public const string UpgradeToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSIsIm5hbWUiOiJhbGljZSIsImV4cCI6MTc2NDA4NzAwMH0.c2lnbmF0dXJl";

    /// <summary>Chromium 131's WebSocket upgrade request: 12 header fields, 589 bytes, in the order and form Chrome sends them.</summary>
    public const string ChromiumUpgrade =
        "GET /ws?token=" + UpgradeToken + " HTTP/1.1\r\n" +
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
}
