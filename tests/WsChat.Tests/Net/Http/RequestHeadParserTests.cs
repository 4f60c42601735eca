using System.Buffers;
using System.Text;
using WsChat.Net.Http;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Http;

public class RequestHeadParserTests
{
    private const string Simple = "GET /healthz?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Thing:  spaced value \t\r\n\r\n";

    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.OfText), new object[] { Simple })]
    public void TryParse_SimpleGet_ParsesLineAndHeaders(ReadOnlySequence<byte> input)
    {
        using var head = new HttpRequestHead();
        OperationStatus status = RequestHeadParser.TryParse(input, head, out int length, out int code);
        Assert.That(status, Is.EqualTo(OperationStatus.Done), $"code {code}");
        Assert.That(length, Is.EqualTo(Simple.Length));
        Assert.That(Encoding.ASCII.GetString(head.Method), Is.EqualTo("GET"));
        Assert.That(Encoding.ASCII.GetString(head.Path), Is.EqualTo("/healthz"));
        Assert.That(Encoding.ASCII.GetString(head.Query), Is.EqualTo("x=1"));
        Assert.That(head.HeaderCount, Is.EqualTo(2));
        Assert.That(head.TryGetHeader("x-thing"u8, out ReadOnlySpan<byte> value), Is.True);
        Assert.That(Encoding.ASCII.GetString(value), Is.EqualTo("spaced value"));
    }
}
