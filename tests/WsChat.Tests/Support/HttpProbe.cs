using System.Net;

namespace WsChat.Tests.Support;

/// <summary>A plain HTTP/1.1 GET over a raw socket (the server answers one request per connection and closes).</summary>
internal static class HttpProbe
{
    public static async Task<(int Status, string Head, string Body)> GetAsync(IPEndPoint endPoint, string target, CancellationToken ct)
    {
        using RawClient c = await RawClient.ConnectAsync(endPoint, ct);
        await c.SendAsync($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ct);
        string head = await c.ReadHeadAsync(ct);
        string body = await c.ReadToEndAsync(ct);
        int status = int.Parse(head.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        return (status, head, body);
    }
}
