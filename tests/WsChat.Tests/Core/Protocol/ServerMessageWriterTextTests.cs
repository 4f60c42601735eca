using System.Buffers;
using System.Text;
using System.Text.Json;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Protocol;

/// <summary>§5: text is sent back byte-exact, nothing HTML-escaped, and the frame is still valid JSON.</summary>
public class ServerMessageWriterTextTests
{
    [TestCase("<script>alert('x')</script> & more")]
    [TestCase("Grüße, 日本語, العربية")]
    [TestCase("emoji 😀👍🏽 and astral 𝄞")]
    [TestCase("line\u2028separator\u2029paragraph")]
    [TestCase("unassigned \u0378 and private \uE000 and BOM \uFEFF and DEL \u007F")]
    [TestCase("+ ` = / %")]
    public void WriteMessage_TextWithoutJsonSpecials_IsCopiedRaw(string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        string json = ServerMessageWriterTests.Write(o => ServerMessageWriter.WriteMessage(o, "r"u8, 1, "a"u8, "a"u8, utf8, 1));
        Assert.That(json, Does.Contain($"\"text\":\"{text}\""), "no \\u escapes, no HTML escapes");
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("text").GetString(), Is.EqualTo(text));
    }

    [Test]
    public void WriteMessage_QuotesBackslashesAndControls_AreEscapedAndRoundTrip()
    {
        var sb = new StringBuilder("say \"hi\" \\ ");
        for (char c = '\0'; c < ' '; c++) sb.Append(c);
        string text = sb.ToString();
        string json = ServerMessageWriterTests.Write(o => ServerMessageWriter.WriteMessage(o, "r"u8, 1, "a"u8, "a"u8, Encoding.UTF8.GetBytes(text), 1));
        Assert.That(json, Does.Contain("""say \"hi\" \\ \u0000"""));
        Assert.That(json, Does.Contain("""\b\t\n\u000B\f\r"""));
        Assert.That(json.Any(c => c < ' '), Is.False, "no raw control character in the frame");
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("text").GetString(), Is.EqualTo(text));
    }

    [Test]
    public void ReaderThenWriter_EscapedClientText_ComesBackAsTheSameString()
    {
        byte[] input = Encoding.UTF8.GetBytes("""{"type":"message","room":"r","text":"a\"b\\c\nd\u00e9\ud83d\ude00<&>"}""");
        Assert.That(ClientMessageReader.TryRead(input, out ClientCommand cmd, out _), Is.True);
        var output = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteMessage(output, cmd.Room, 1, "a"u8, "a"u8, cmd.Text, 1);
        using JsonDocument doc = JsonDocument.Parse(output.WrittenMemory);
        Assert.That(doc.RootElement.GetProperty("text").GetString(), Is.EqualTo("a\"b\\c\ndé😀<&>"));
    }

    [Test]
    public void WriteError_MessageWithAstralCharacter_IsWrittenRaw()
    {
        string json = ServerMessageWriterTests.Write(o => ServerMessageWriter.WriteError(o, ErrorCode.BadRequest, "bad 😀 <x>", default));
        Assert.That(json, Does.Contain("\"message\":\"bad 😀 <x>\""));
    }

    [Test]
    public void WriteMessage_InvalidUtf8Text_NeverProducesInvalidJson()
    {
        // Callers pass validated UTF-8; if a bug ever hands over garbage, the frame must still parse (or the write throws).
        byte[] invalid = [(byte)'a', 0xC3, 0x28, 0xFF, (byte)'b'];
        var output = new ArrayBufferWriter<byte>();
        try
        {
            ServerMessageWriter.WriteMessage(output, "r"u8, 1, "a"u8, "a"u8, invalid, 1);
        }
        catch (ArgumentException)
        {
            Assert.Pass("refused");
        }

        Assert.That(System.Text.Unicode.Utf8.IsValid(output.WrittenSpan), Is.True);
        using JsonDocument doc = JsonDocument.Parse(output.WrittenMemory);
        Assert.That(doc.RootElement.GetProperty("text").GetString(), Does.StartWith("a").And.EndWith("b"));
    }

    [Test]
    public void WriteError_LoneSurrogateInMessage_IsReplacedNotThrown()
    {
        string json = ServerMessageWriterTests.Write(o => ServerMessageWriter.WriteError(o, ErrorCode.BadRequest, "x\uD800y", default));
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("message").GetString(), Is.EqualTo("x\uFFFDy"));
    }
}
