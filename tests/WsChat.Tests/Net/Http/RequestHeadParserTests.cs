using System.Buffers;
using System.Text;
using WsChat.Net.Http;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Http;

public class RequestHeadParserTests
{
    private const string Simple = "GET /healthz?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Thing:  spaced value \t\r\n\r\n";

    private static (OperationStatus Status, int Code, int Length) Parse(string head, RequestHeadLimits? limits = null) => Parse(Encoding.UTF8.GetBytes(head), limits);

    private static (OperationStatus Status, int Code, int Length) Parse(byte[] head, RequestHeadLimits? limits = null)
    {
        using var request = new HttpRequestHead();
        OperationStatus status = RequestHeadParser.TryParse(Segmentations.Whole(head), request, limits ?? RequestHeadLimits.Default, out int length, out int code);
        return (status, code, length);
    }

    private static void AssertRejected(string head, int expectedCode)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(head);
        foreach ((string name, ReadOnlySequence<byte> input) in Segmentations.All(bytes))
        {
            using var request = new HttpRequestHead();
            OperationStatus status = RequestHeadParser.TryParse(input, request, out _, out int code);
            Assert.That(status, Is.EqualTo(OperationStatus.InvalidData), name);
            Assert.That(code, Is.EqualTo(expectedCode), name);
        }
    }

    private static string RequestLineOfLength(int length) => "GET /" + new string('a', length - "GET / HTTP/1.1".Length) + " HTTP/1.1";

    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.OfText), new object[] { Simple })]
    public void TryParse_SimpleGet_ParsesLineAndHeaders(ReadOnlySequence<byte> input)
    {
        using var head = new HttpRequestHead();
        OperationStatus status = RequestHeadParser.TryParse(input, head, out int length, out int code);
        Assert.That(status, Is.EqualTo(OperationStatus.Done), $"code {code}");
        Assert.That(length, Is.EqualTo(Simple.Length));
        Assert.That(Encoding.ASCII.GetString(head.Method), Is.EqualTo("GET"));
        Assert.That(head.IsGet, Is.True);
        Assert.That(Encoding.ASCII.GetString(head.Target), Is.EqualTo("/healthz?x=1"));
        Assert.That(Encoding.ASCII.GetString(head.Path), Is.EqualTo("/healthz"));
        Assert.That(Encoding.ASCII.GetString(head.Query), Is.EqualTo("x=1"));
        Assert.That(head.HeaderCount, Is.EqualTo(2));
        Assert.That(Encoding.ASCII.GetString(head.GetHeaderName(1)), Is.EqualTo("X-Thing"));
        Assert.That(head.TryGetHeader("x-thing"u8, out ReadOnlySpan<byte> value), Is.True);
        Assert.That(Encoding.ASCII.GetString(value), Is.EqualTo("spaced value"));
        Assert.That(head.TryGetHeader("HOST"u8, out value), Is.True);
        Assert.That(Encoding.ASCII.GetString(value), Is.EqualTo("example.com"));
        Assert.That(head.TryGetHeader("Missing"u8, out _), Is.False);
    }

    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.OfText), new object[] { BrowserRequests.ChromiumUpgrade })]
    public void TryParse_BrowserUpgradeRequest_ParsesEveryHeader(ReadOnlySequence<byte> input)
    {
        using var head = new HttpRequestHead();
        Assert.That(RequestHeadParser.TryParse(input, head, out int length, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(length, Is.EqualTo(BrowserRequests.ChromiumUpgrade.Length));
        Assert.That(head.HeaderCount, Is.EqualTo(12));
        Assert.That(head.GetQueryParameter("token"), Is.EqualTo(BrowserRequests.UpgradeToken));
    }

    [Test]
    public void TryParse_EveryPrefixOfAValidHead_NeedsMoreData()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(BrowserRequests.ChromiumUpgrade);
        for (int n = 0; n < bytes.Length; n++)
        {
            using var head = new HttpRequestHead();
            OperationStatus status = RequestHeadParser.TryParse(Segmentations.Whole(bytes.AsSpan(0, n)), head, out _, out int code);
            Assert.That(status, Is.EqualTo(OperationStatus.NeedMoreData), $"{n} bytes (code {code})");
        }
    }

    // A complete but bad request line is judged at once, without waiting for the rest of the head
    // (which a hostile or broken client may never send: that would be a 408 instead of a 400).
    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.OfText), new object[] { "\u0001\u0002\u0003\u0004\r\n" })]
    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.OfText), new object[] { "GARBAGE\r\n" })]
    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.OfText), new object[] { "GET /x HTTP/1.1 extra\r\n" })]
    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.OfText), new object[] { "GET /\u0001 HTTP/1.1\r\nHost: a\r\n" })]
    public void TryParse_CompleteBadRequestLineWithoutTheRestOfTheHead_Is400(ReadOnlySequence<byte> input)
    {
        using var head = new HttpRequestHead();
        Assert.That(RequestHeadParser.TryParse(input, head, out _, out int code), Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(code, Is.EqualTo(400));
    }

    [TestCaseSource(typeof(Segmentations), nameof(Segmentations.OfText), new object[] { "GET / HTTP/1.0\r\n" })]
    public void TryParse_CompleteRequestLineOfAnotherVersionWithoutTheRestOfTheHead_Is505(ReadOnlySequence<byte> input)
    {
        using var head = new HttpRequestHead();
        Assert.That(RequestHeadParser.TryParse(input, head, out _, out int code), Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(code, Is.EqualTo(505));
    }

    [Test]
    public void TryParse_BodyAfterHead_ReportsOnlyTheHeadLength()
    {
        var (status, _, length) = Parse(Simple + "body bytes");
        Assert.That(status, Is.EqualTo(OperationStatus.Done));
        Assert.That(length, Is.EqualTo(Simple.Length));
    }

    // ---- limits: at the limit, and one past ----

    [Test]
    public void TryParse_RequestLineAtLimit_IsAccepted()
    {
        string line = RequestLineOfLength(8192);
        Assert.That(line, Has.Length.EqualTo(8192));
        Assert.That(Parse(line + "\r\nHost: a\r\n\r\n").Status, Is.EqualTo(OperationStatus.Done));
    }

    [Test]
    public void TryParse_RequestLineOnePastLimit_Is414()
    {
        var (status, code, _) = Parse(RequestLineOfLength(8193) + "\r\nHost: a\r\n\r\n");
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(code, Is.EqualTo(414));
    }

    [Test]
    public void TryParse_UnfinishedRequestLineAtLimit_NeedsMoreData()
    {
        // 8192 bytes and its CR, no LF yet: the line may still be exactly at the limit.
        Assert.That(Parse(RequestLineOfLength(8192) + "\r").Status, Is.EqualTo(OperationStatus.NeedMoreData));
    }

    [Test]
    public void TryParse_UnfinishedRequestLineOnePastLimit_Is414WithoutWaitingForLf()
    {
        var (status, code, _) = Parse(RequestLineOfLength(8192) + "xx");
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(code, Is.EqualTo(414));
    }

    private static string HeadOfLength(int total)
    {
        // Request line + Host + one filler header sized so that the head is exactly `total` bytes.
        string start = "GET / HTTP/1.1\r\nHost: a\r\nX-Fill: ";
        return start + new string('f', total - start.Length - 4) + "\r\n\r\n";
    }

    [Test]
    public void TryParse_HeadAtLimit_IsAccepted()
    {
        string head = HeadOfLength(32 * 1024);
        Assert.That(head, Has.Length.EqualTo(32768));
        var (status, _, length) = Parse(head);
        Assert.That(status, Is.EqualTo(OperationStatus.Done));
        Assert.That(length, Is.EqualTo(32768));
    }

    [Test]
    public void TryParse_HeadOnePastLimit_Is431()
    {
        var (status, code, _) = Parse(HeadOfLength(32 * 1024 + 1));
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(code, Is.EqualTo(431));
    }

    [Test]
    public void TryParse_UnfinishedHeadPastLimit_Is431WithoutWaitingForTheEnd()
    {
        string head = HeadOfLength(40_000);
        var (status, code, _) = Parse(head[..33_000]);
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(code, Is.EqualTo(431));
    }

    private static string HeadWithHeaders(int count)
    {
        var sb = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 1; i < count; i++) sb.Append("X-H").Append(i).Append(": v\r\n");
        return sb.Append("\r\n").ToString();
    }

    [Test]
    public void TryParse_HundredHeaders_IsAccepted()
    {
        using var head = new HttpRequestHead();
        Assert.That(RequestHeadParser.TryParse(Segmentations.Whole(Encoding.ASCII.GetBytes(HeadWithHeaders(100))), head, out _, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(head.HeaderCount, Is.EqualTo(100));
    }

    [Test]
    public void TryParse_HundredAndOneHeaders_Is431()
    {
        var (status, code, _) = Parse(HeadWithHeaders(101));
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(code, Is.EqualTo(431));
    }

    [Test]
    public void TryParse_HeaderFloodWithoutEnd_Is431AtTheCountLimit()
    {
        string flood = HeadWithHeaders(5000)[..^2];   // thousands of tiny headers, never the empty line
        var (status, code, _) = Parse(flood[..2000]);
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(code, Is.EqualTo(431));
    }

    [Test]
    public void TryParse_CustomLimits_AreApplied()
    {
        var limits = new RequestHeadLimits { MaxRequestLineLength = 20, MaxHeadLength = 60, MaxHeaderCount = 2 };
        Assert.That(Parse("GET /abcdef HTTP/1.1\r\nHost: a\r\n\r\n", limits).Status, Is.EqualTo(OperationStatus.Done));
        Assert.That(Parse("GET /abcdefg HTTP/1.1\r\nHost: a\r\n\r\n", limits).Code, Is.EqualTo(414));
        Assert.That(Parse("GET / HTTP/1.1\r\nHost: a\r\nB: 1\r\nC: 2\r\n\r\n", limits).Code, Is.EqualTo(431));
        Assert.That(Parse("GET / HTTP/1.1\r\nHost: a\r\nB: " + new string('x', 40) + "\r\n\r\n", limits).Code, Is.EqualTo(431));
    }

    // ---- malformed and hostile ----

    [TestCase("GET / HTTP/1.1\nHost: a\r\n\r\n", TestName = "TryParse_BareLfAfterRequestLine_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\n\r\n", TestName = "TryParse_BareLfAfterHeader_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\n\n", TestName = "TryParse_BareLfAsEmptyLine_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", TestName = "TryParse_BareCrInHeader_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  folded\r\n\r\n", TestName = "TryParse_ObsFold_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost : a\r\n\r\n", TestName = "TryParse_SpaceBeforeColon_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", TestName = "TryParse_TabBeforeColon_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n", TestName = "TryParse_EmptyHeaderName_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n", TestName = "TryParse_HeaderWithoutColon_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n", TestName = "TryParse_NulInValue_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nX: a\u007fb\r\n\r\n", TestName = "TryParse_DelInValue_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nX: a\u001bb\r\n\r\n", TestName = "TryParse_EscapeInValue_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n", TestName = "TryParse_NonTokenHeaderName_Is400")]
    [TestCase("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_NonTokenMethod_Is400")]
    [TestCase("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_DoubleSpace_Is400")]
    [TestCase("GET / x HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_SpaceInTarget_Is400")]
    [TestCase("GET /\u0001 HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_ControlCharInTarget_Is400")]
    [TestCase("GET /é HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_RawNonAsciiInTarget_Is400")]
    [TestCase("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", TestName = "TryParse_TrailingSpaceAfterVersion_Is400")]
    [TestCase("GET / http/1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_LowercaseVersion_Is400")]
    [TestCase("GET / HTTP/1.12\r\nHost: a\r\n\r\n", TestName = "TryParse_LongVersion_Is400")]
    [TestCase("GET /\r\nHost: a\r\n\r\n", TestName = "TryParse_MissingVersion_Is400")]
    [TestCase("GET\r\nHost: a\r\n\r\n", TestName = "TryParse_MethodOnly_Is400")]
    [TestCase("GET foo HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_RelativeTarget_Is400")]
    [TestCase("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", TestName = "TryParse_EmptyLineBeforeRequest_Is400")]
    [TestCase("GET / HTTP/1.1\r\n\r\n", TestName = "TryParse_MissingHost_Is400")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", TestName = "TryParse_TwoHosts_Is400")]
    public void TryParse_Malformed_Is400(string head) => AssertRejected(head, 400);

    [TestCase("GET / HTTP/1.0\r\nHost: a\r\n\r\n")]
    [TestCase("GET / HTTP/2.0\r\nHost: a\r\n\r\n")]
    [TestCase("GET / HTTP/0.9\r\nHost: a\r\n\r\n")]
    public void TryParse_OtherHttpVersion_Is505(string head) => AssertRejected(head, 505);

    [Test]
    public void TryParse_TlsClientHello_Is400BeforeAnyLineEnds()
    {
        byte[] hello = Segmentations.Hex("16 03 01 02 00 01 00 01 fc 03 03");   // what a browser sends to https:// on this port
        var (status, code, _) = Parse(hello);
        Assert.That(status, Is.EqualTo(OperationStatus.InvalidData));
        Assert.That(code, Is.EqualTo(400));
    }

    [Test]
    public void TryParse_RandomGarbage_NeverThrowsAndNeverAccepts()
    {
        var random = new Random(9110);
        for (int round = 0; round < 2000; round++)
        {
            var bytes = new byte[random.Next(1, 200)];
            random.NextBytes(bytes);
            if (round % 4 == 0) "GET / HTTP/1.1\r\n"u8[..Math.Min(16, bytes.Length)].CopyTo(bytes);
            using var head = new HttpRequestHead();
            OperationStatus status = RequestHeadParser.TryParse(Segmentations.Whole(bytes), head, out _, out int code);
            Assert.That(status, Is.Not.EqualTo(OperationStatus.Done), Convert.ToHexString(bytes));
            if (status == OperationStatus.InvalidData) Assert.That(code, Is.AnyOf(400, 414, 431, 505));
        }
    }

    // ---- request targets ----

    [TestCase("/", "/", "")]
    [TestCase("/ws?token=abc", "/ws", "token=abc")]
    [TestCase("/a/b?", "/a/b", "")]
    [TestCase("/a?b?c", "/a", "b?c")]
    [TestCase("http://example.com/chat?x=1", "/chat", "x=1")]
    [TestCase("HTTPS://example.com", "/", "")]
    [TestCase("http://example.com?q", "/", "q")]
    [TestCase("*", "*", "")]
    public void TryParse_RequestTarget_SplitsPathAndQuery(string target, string path, string query)
    {
        using var head = new HttpRequestHead();
        byte[] bytes = Encoding.ASCII.GetBytes($"OPTIONS {target} HTTP/1.1\r\nHost: example.com\r\n\r\n");
        Assert.That(RequestHeadParser.TryParse(Segmentations.Whole(bytes), head, out _, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(Encoding.ASCII.GetString(head.Path), Is.EqualTo(path));
        Assert.That(Encoding.ASCII.GetString(head.Query), Is.EqualTo(query));
        Assert.That(Encoding.ASCII.GetString(head.Target), Is.EqualTo(target));
        Assert.That(head.IsGet, Is.False);
    }

    // ---- headers ----

    [Test]
    public void HeaderContainsToken_ListsAndRepeatedFields_MatchCaseInsensitively()
    {
        using var head = new HttpRequestHead();
        byte[] bytes = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: UPGRADE , x\r\nUpgrade: websocket-ish\r\nEmpty:\r\n\r\n");
        Assert.That(RequestHeadParser.TryParse(Segmentations.Whole(bytes), head, out _, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(head.HeaderContainsToken("connection"u8, "upgrade"u8), Is.True);
        Assert.That(head.HeaderContainsToken("connection"u8, "keep-alive"u8), Is.True);
        Assert.That(head.HeaderContainsToken("connection"u8, "close"u8), Is.False);
        Assert.That(head.HeaderContainsToken("upgrade"u8, "websocket"u8), Is.False, "a longer token is not the token");
        Assert.That(head.CountHeader("CONNECTION"u8), Is.EqualTo(2));
        Assert.That(head.TryGetHeader("empty"u8, out ReadOnlySpan<byte> empty), Is.True);
        Assert.That(empty.IsEmpty, Is.True);
    }

    [Test]
    public void GetHeaderName_IndexOutOfRange_Throws()
    {
        using var head = new HttpRequestHead();
        RequestHeadParser.TryParse(Segmentations.Whole("GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8), head, out _, out _);
        Assert.That(() => head.GetHeaderName(1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    // ---- query parameters ----

    [TestCase("token=a%2Bb&user=J%C3%B6rg+X", "token", "a+b")]
    [TestCase("token=a%2Bb&user=J%C3%B6rg+X", "user", "Jörg X")]
    [TestCase("user=first&user=second", "user", "first")]
    [TestCase("flag&user=x", "flag", "")]
    [TestCase("a=1&%75ser=encoded-name", "user", "encoded-name")]
    [TestCase("token=", "token", "")]
    [TestCase("token=abc", "missing", null)]
    [TestCase("token=%zz", "token", null)]
    [TestCase("token=%4", "token", null)]
    [TestCase("token=%ff", "token", null)]                 // not UTF-8 once decoded
    [TestCase("", "token", null)]
    public void GetQueryParameter_Query_DecodesTheFirstMatch(string query, string name, string? expected)
    {
        using var head = new HttpRequestHead();
        byte[] bytes = Encoding.ASCII.GetBytes($"GET /ws?{query} HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.That(RequestHeadParser.TryParse(Segmentations.Whole(bytes), head, out _, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(head.GetQueryParameter(name), Is.EqualTo(expected));
    }

    // ---- reuse and allocations ----

    [Test]
    public void TryParse_ReusedHead_HoldsOnlyTheLatestRequest()
    {
        using var head = new HttpRequestHead();
        RequestHeadParser.TryParse(Segmentations.Whole(Encoding.ASCII.GetBytes(BrowserRequests.ChromiumUpgrade)), head, out _, out _);
        Assert.That(RequestHeadParser.TryParse(Segmentations.Whole("GET /b HTTP/1.1\r\nHost: b\r\n\r\n"u8), head, out _, out _), Is.EqualTo(OperationStatus.Done));
        Assert.That(Encoding.ASCII.GetString(head.Path), Is.EqualTo("/b"));
        Assert.That(head.HeaderCount, Is.EqualTo(1));
        Assert.That(head.TryGetHeader("Upgrade"u8, out _), Is.False);
        head.Dispose();
        Assert.That(head.HeaderCount, Is.Zero);
        Assert.That(head.Query.IsEmpty, Is.True);
    }

    [Test]
    public void TryParse_ReusedHead_AllocatesNothing()
    {
        ReadOnlySequence<byte> whole = Segmentations.Whole(Encoding.ASCII.GetBytes(BrowserRequests.ChromiumUpgrade));
        ReadOnlySequence<byte> split = Segmentations.Split(Encoding.ASCII.GetBytes(BrowserRequests.ChromiumUpgrade), 200);
        var head = new HttpRequestHead();
        void ParseBoth()
        {
            RequestHeadParser.TryParse(whole, head, out _, out _);
            head.TryGetQueryParameter("token"u8, out _);
            head.HeaderContainsToken("Connection"u8, "upgrade"u8);
            head.Dispose();
            RequestHeadParser.TryParse(split, head, out _, out _);
            head.Dispose();
        }

        ParseBoth();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) ParseBoth();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
