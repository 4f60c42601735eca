using System.Text;
using WsChat.Net.Http;

namespace WsChat.Tests.Net.Http;

public class PercentEncodingTests
{
    [TestCase("plain", false, "plain")]
    [TestCase("a%20b", false, "a b")]
    [TestCase("a+b", false, "a+b")]
    [TestCase("a+b", true, "a b")]
    [TestCase("%41%62%2f%2F", false, "Ab//")]
    [TestCase("%E2%82%AC", false, "€")]
    [TestCase("", false, "")]
    public void TryDecode_WellFormed_Decodes(string source, bool plusIsSpace, string expected)
    {
        var destination = new byte[source.Length];
        Assert.That(PercentEncoding.TryDecode(Encoding.ASCII.GetBytes(source), destination, plusIsSpace, out int written), Is.True);
        Assert.That(Encoding.UTF8.GetString(destination, 0, written), Is.EqualTo(expected));
    }

    [TestCase("%")]
    [TestCase("%4")]
    [TestCase("abc%")]
    [TestCase("%g0")]
    [TestCase("%0g")]
    [TestCase("%%41")]
    public void TryDecode_MalformedEscape_Fails(string source) =>
        Assert.That(PercentEncoding.TryDecode(Encoding.ASCII.GetBytes(source), new byte[source.Length], false, out _), Is.False);

    [Test]
    public void TryDecode_DestinationTooShort_Fails() =>
        Assert.That(PercentEncoding.TryDecode("abcdef"u8, new byte[5], false, out _), Is.False);

    [Test]
    public void DecodeToString_LongValue_UsesPooledBufferAndDecodes()
    {
        string value = string.Concat(Enumerable.Repeat("%C3%A9", 400));   // 2400 bytes encoded, longer than the stack buffer
        Assert.That(PercentEncoding.DecodeToString(Encoding.ASCII.GetBytes(value), plusIsSpace: false), Is.EqualTo(new string('é', 400)));
    }

    [Test]
    public void DecodeToString_InvalidUtf8_IsNull() =>
        Assert.That(PercentEncoding.DecodeToString("%C3%28"u8, plusIsSpace: false), Is.Null);
}
