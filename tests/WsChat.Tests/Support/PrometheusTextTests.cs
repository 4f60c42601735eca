namespace WsChat.Tests.Support;

public class PrometheusTextTests
{
    // The example of the exposition-format documentation, trimmed to the parts we produce.
    private const string Example = """
        # HELP http_requests_total The total number of HTTP requests.
        # TYPE http_requests_total counter
        http_requests_total{method="post",code="200"} 1027 1395066363000
        http_requests_total{method="post",code="400"} 3 1395066363000

        # Escaping in label values:
        msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9
        # HELP http_request_duration_seconds A histogram of the request duration.
        # TYPE http_request_duration_seconds histogram
        http_request_duration_seconds_bucket{le="0.05"} 24054
        http_request_duration_seconds_bucket{le="0.1"} 33444
        http_request_duration_seconds_bucket{le="+Inf"} 144320
        http_request_duration_seconds_sum 53423
        http_request_duration_seconds_count 144320
        # TYPE temperature gauge
        temperature -3.5e1
        temperature_nan NaN

        """;

    [Test]
    public void Parse_DocumentationExample_ReadsEveryFamily()
    {
        PrometheusExposition doc = PrometheusText.Parse(Example.Replace("\r", ""));
        Assert.Multiple(() =>
        {
            Assert.That(doc.TypeOf("http_requests_total"), Is.EqualTo("counter"));
            Assert.That(doc.Families["http_requests_total"].Help, Is.EqualTo("The total number of HTTP requests."));
            Assert.That(doc.Value("http_requests_total", "code=400"), Is.EqualTo(3));
            Assert.That(doc.Families["http_requests_total"].Samples[0].Timestamp, Is.EqualTo(1395066363000));
            Assert.That(doc.Families["msdos_file_access_time_seconds"].Samples[0].Labels["path"], Is.EqualTo(@"C:\DIR\FILE.TXT"));
            Assert.That(doc.Families["msdos_file_access_time_seconds"].Samples[0].Labels["error"], Is.EqualTo("Cannot find file:\n\"FILE.TXT\""));
            Assert.That(doc.TypeOf("http_request_duration_seconds"), Is.EqualTo("histogram"));
            Assert.That(doc.Value("http_request_duration_seconds_bucket", "le=+Inf"), Is.EqualTo(144320));
            Assert.That(doc.Value("temperature"), Is.EqualTo(-35));
            Assert.That(doc.Value("temperature_nan"), Is.NaN);
            Assert.That(doc.TypeOf("temperature_nan"), Is.EqualTo("untyped"));
        });
    }

    [Test]
    public void Parse_Empty_HasNoFamilies() => Assert.That(PrometheusText.Parse("").Families, Is.Empty);

    [TestCase("a 1", Description = "truncated: no final line feed")]
    [TestCase("a\n", Description = "truncated: no value")]
    [TestCase("a{b=\"c\" 1\n", Description = "truncated label set")]
    [TestCase("a{b=\"c} 1\n", Description = "unterminated label value")]
    [TestCase("a{b=\"c\\\"} 1\n", Description = "escaped quote, then unterminated")]
    [TestCase("a{b=c} 1\n", Description = "unquoted label value")]
    [TestCase("a{b=\"\\t\"} 1\n", Description = "bad escape")]
    [TestCase("a{b=\"1\",b=\"2\"} 1\n", Description = "duplicate label")]
    [TestCase("a{__name__=\"x\"} 1\n", Description = "reserved label")]
    [TestCase("a{1b=\"x\"} 1\n", Description = "label name starting with a digit")]
    [TestCase("a{b:c=\"x\"} 1\n", Description = "colon in a label name")]
    [TestCase("1a 1\n", Description = "metric name starting with a digit")]
    [TestCase("a-b 1\n", Description = "dash in a metric name")]
    [TestCase("a  1\n", Description = "two spaces")]
    [TestCase("a 1 2 3\n", Description = "too many fields")]
    [TestCase("a 1,5\n", Description = "decimal comma")]
    [TestCase("a one\n", Description = "word value")]
    [TestCase("a 1 12.5\n", Description = "fractional timestamp")]
    [TestCase("a 1\r\n", Description = "CRLF")]
    [TestCase("a 1\na 2\n", Description = "duplicate series")]
    [TestCase("a 1\nb 1\na{x=\"y\"} 1\n", Description = "family not contiguous")]
    [TestCase("# TYPE a counter\n# TYPE a gauge\na 1\n", Description = "second TYPE")]
    [TestCase("# HELP a x\n# HELP a y\na 1\n", Description = "second HELP")]
    [TestCase("a 1\n# TYPE a counter\n", Description = "TYPE after samples")]
    [TestCase("# TYPE a countr\na 1\n", Description = "unknown type")]
    [TestCase("# TYPE a counter\na -1\n", Description = "negative counter")]
    [TestCase("# TYPE a counter\na NaN\n", Description = "NaN counter")]
    [TestCase("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1\nh_count 2\n", Description = "histogram without +Inf")]
    [TestCase("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", Description = "buckets not cumulative")]
    [TestCase("# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", Description = "le not increasing")]
    [TestCase("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", Description = "count differs from +Inf")]
    [TestCase("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n", Description = "histogram without _sum")]
    [TestCase("# TYPE h histogram\nh_bucket 2\nh_sum 1\nh_count 2\n", Description = "bucket without le")]
    [TestCase("# TYPE h histogram\nh_bucket{le=\"x\"} 2\nh_sum 1\nh_count 2\n", Description = "le not a number")]
    [TestCase("# HELP a bad \\t escape\na 1\n", Description = "bad escape in HELP")]
    public void Parse_MalformedExposition_Throws(string text) =>
        Assert.That(() => PrometheusText.Parse(text), Throws.TypeOf<FormatException>());

    [Test]
    public void Parse_HostileInput_ThrowsFormatExceptionOnly()
    {
        // Garbage of every byte value, and an oversized label value: a clean FormatException or a
        // parse, never another exception.
        var random = new Random(6);
        for (int round = 0; round < 500; round++)
        {
            char[] chars = new char[random.Next(1, 80)];
            for (int i = 0; i < chars.Length; i++) chars[i] = (char)random.Next(0, 128);
            string text = new string(chars) + "\n";
            try { PrometheusText.Parse(text); }
            catch (FormatException) { }
        }

        string huge = "a{b=\"" + new string('x', 1 << 20) + "\"} 1\n";
        Assert.That(PrometheusText.Parse(huge).Value("a"), Is.EqualTo(1));
    }

    [Test]
    public void Parse_TrailingCommaInLabels_IsAccepted() =>
        Assert.That(PrometheusText.Parse("a{b=\"c\",} 2\n").Value("a", "b=c"), Is.EqualTo(2));
}
