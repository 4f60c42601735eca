using System.Buffers;
using System.Text;
using WsChat.Net.Http;

namespace WsChat.Tests.Net.Http;

public class HttpResponsesTests
{
    private static IEnumerable<TestCaseData> Canned()
    {
        yield return new TestCaseData(HttpResponses.BadRequest, 400).SetArgDisplayNames("400");
        yield return new TestCaseData(HttpResponses.Unauthorized, 401).SetArgDisplayNames("401");
        yield return new TestCaseData(HttpResponses.Forbidden, 403).SetArgDisplayNames("403");
        yield return new TestCaseData(HttpResponses.NotFound, 404).SetArgDisplayNames("404");
        yield return new TestCaseData(HttpResponses.MethodNotAllowed, 405).SetArgDisplayNames("405");
        yield return new TestCaseData(HttpResponses.RequestTimeout, 408).SetArgDisplayNames("408");
        yield return new TestCaseData(HttpResponses.UriTooLong, 414).SetArgDisplayNames("414");
        yield return new TestCaseData(HttpResponses.UpgradeRequired, 426).SetArgDisplayNames("426-upgrade");
        yield return new TestCaseData(HttpResponses.VersionRequired, 426).SetArgDisplayNames("426-version");
        yield return new TestCaseData(HttpResponses.HeaderFieldsTooLarge, 431).SetArgDisplayNames("431");
        yield return new TestCaseData(HttpResponses.InternalServerError, 500).SetArgDisplayNames("500");
        yield return new TestCaseData(HttpResponses.ServiceUnavailable, 503).SetArgDisplayNames("503");
        yield return new TestCaseData(HttpResponses.HttpVersionNotSupported, 505).SetArgDisplayNames("505");
    }

    // Splits a response into status code, headers and body, checking the framing a client relies on.
    private static (int Status, Dictionary<string, string> Headers, string Body) Split(ReadOnlySpan<byte> response)
    {
        string text = Encoding.ASCII.GetString(response);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.That(end, Is.GreaterThan(0), "head ends with an empty line");
        string[] lines = text[..end].Split("\r\n");
        Assert.That(lines[0], Does.Match(@"^HTTP/1\.1 \d{3} [A-Za-z ]+$"));
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            headers.Add(line[..colon], line[(colon + 1)..].Trim());
        }

        return (int.Parse(lines[0].Substring(9, 3)), headers, text[(end + 4)..]);
    }

    [TestCaseSource(nameof(Canned))]
    public void CannedResponse_Framing_HasStatusContentLengthAndClose(ReadOnlyMemory<byte> response, int status)
    {
        var (code, headers, body) = Split(response.Span);
        Assert.That(code, Is.EqualTo(status));
        Assert.That(headers["Connection"], Is.EqualTo("close"));
        Assert.That(int.Parse(headers["Content-Length"]), Is.EqualTo(Encoding.ASCII.GetByteCount(body)));
        Assert.That(body, Does.StartWith(status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(HttpResponses.ForStatus(status).Span.SequenceEqual(response.Span) || status == 426, Is.True);
    }

    [Test]
    public void ForStatus_UnknownStatus_Is500() =>
        Assert.That(HttpResponses.ForStatus(418).Span.SequenceEqual(HttpResponses.InternalServerError.Span), Is.True);

    [Test]
    public void WriteOk_Body_WritesHeadAndBody()
    {
        var buffer = new byte[256];
        int n = HttpResponses.WriteOk(buffer, "text/plain; charset=utf-8"u8, "ok\n"u8);
        var (code, headers, body) = Split(buffer.AsSpan(0, n));
        Assert.That(code, Is.EqualTo(200));
        Assert.That(headers["Content-Type"], Is.EqualTo("text/plain; charset=utf-8"));
        Assert.That(headers["Content-Length"], Is.EqualTo("3"));
        Assert.That(headers["Connection"], Is.EqualTo("close"));
        Assert.That(body, Is.EqualTo("ok\n"));
    }

    [Test]
    public void WriteResponse_KeepAlive_OmitsConnectionClose()
    {
        var output = new ArrayBufferWriter<byte>();
        HttpResponses.WriteResponse(output, 503, "text/plain"u8, "draining"u8, keepAlive: true);
        var (code, headers, body) = Split(output.WrittenSpan);
        Assert.That(code, Is.EqualTo(503));
        Assert.That(headers.ContainsKey("Connection"), Is.False);
        Assert.That(body, Is.EqualTo("draining"));
    }

    [Test]
    public void WriteHead_LargeContentLength_WritesItForAStreamedBody()
    {
        var buffer = new byte[HttpResponses.MaxHeadLengthWithoutContentType + 32];
        int n = HttpResponses.WriteHead(buffer, 200, "application/javascript"u8, 12_345_678_901);
        var (_, headers, body) = Split(buffer.AsSpan(0, n));
        Assert.That(headers["Content-Length"], Is.EqualTo("12345678901"));
        Assert.That(body, Is.Empty);
    }

    [Test]
    public void WriteHead_ExtraHeaders_AreWrittenAndReplaceNoStore()
    {
        var buffer = new byte[HttpResponses.MaxHeadLengthWithoutContentType + 128];
        byte[] extra = "ETag: \"abc\"\r\nCache-Control: no-cache\r\n"u8.ToArray();
        int n = HttpResponses.WriteHead(buffer, 304, "text/html"u8, 0, extra);
        var (_, headers, body) = Split(buffer.AsSpan(0, n));
        Assert.That(headers["ETag"], Is.EqualTo("\"abc\""));
        Assert.That(headers["Cache-Control"], Is.EqualTo("no-cache"), "the handler's caching, not the default no-store");
        Assert.That(headers["Connection"], Is.EqualTo("close"));
        Assert.That(System.Text.Encoding.ASCII.GetString(buffer, 0, n), Does.EndWith("\r\n\r\n").And.Not.Contains("no-store"));
        Assert.That(body, Is.Empty);
    }

    [Test]
    public void WriteHead_ExtraHeadersPastTheDestination_Throws() =>
        Assert.That(() => HttpResponses.WriteHead(new byte[HttpResponses.MaxHeadLengthWithoutContentType], 200, "text/plain"u8, 0,
            new byte[HttpResponses.MaxHeadLengthWithoutContentType]), Throws.ArgumentException);

    [Test]
    public void WriteOk_DestinationTooShort_Throws() =>
        Assert.That(() => HttpResponses.WriteOk(new byte[40], "text/plain"u8, "ok"u8), Throws.ArgumentException);

    [Test]
    public void WriteOk_IntoBuffer_AllocatesNothing()
    {
        var buffer = new byte[512];
        HttpResponses.WriteOk(buffer, "text/plain"u8, "ok"u8);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) HttpResponses.WriteOk(buffer, "text/plain"u8, "ok"u8);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
