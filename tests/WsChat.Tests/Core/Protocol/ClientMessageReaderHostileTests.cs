using System.Text;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Protocol;

/// <summary>Hostile input: deep nesting, huge values, broken Unicode, truncation at every byte.</summary>
public class ClientMessageReaderHostileTests
{
    private static readonly string[] s_validMessages =
    [
        """{"type":"auth","token":"a.b.c","ref":"1"}""",
        """{"type":"join","room":"general","since":41,"ref":"2"}""",
        """{"type":"leave","room":"general"}""",
        """{"type":"message","room":"general","text":"caf\u00e9 \ud83d\ude00\n","ref":"3"}""",
        """{"type":"dm","to":"u2","text":"hi"}""",
        """{"type":"typing","room":"general","status":true}""",
        """{"type":"list_users","room":"general"}""",
        """{"type":"history","room":"general","limit":10,"before":5}""",
        """{"type":"ping"}""",
    ];

    [TestCaseSource(nameof(s_validMessages))]
    public void TryRead_EveryTruncation_IsRefusedAsBadRequest(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        Assert.That(ParsedCommand.Parse(bytes).Ok, Is.True, "the whole message parses");
        for (int length = 0; length < bytes.Length; length++)
        {
            ParsedCommand p = ParsedCommand.Parse(bytes[..length]);
            Assert.That((p.Ok, p.Code), Is.EqualTo((false, ErrorCode.BadRequest)), $"prefix of {length} bytes");
        }
    }

    [Test]
    public void TryRead_UnknownFieldNestedToTheDepthLimit_IsIgnored()
    {
        // The root object is depth 1, so the field's value may open MaxDepth - 1 more levels.
        int levels = ProtocolLimits.MaxDepth - 1;
        string nested = new string('[', levels) + new string(']', levels);
        Assert.That(ParsedCommand.Parse($$"""{"type":"ping","x":{{nested}}}""").Ok, Is.True);
    }

    [TestCase(ProtocolLimits.MaxDepth)]
    [TestCase(1_000)]
    [TestCase(500_000)]
    public void TryRead_NestingPastTheLimit_IsBadRequest(int levels)
    {
        string nested = new string('[', levels) + new string(']', levels);
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"ping","x":{{nested}}}""");
        Assert.That((p.Ok, p.Code), Is.EqualTo((false, ErrorCode.BadRequest)));
    }

    [Test]
    public void TryRead_DeeplyNestedObjectsWithoutEnd_IsBadRequest()
    {
        var sb = new StringBuilder("""{"type":"ping","x":""");
        for (int i = 0; i < 100_000; i++) sb.Append("""{"a":""");
        Assert.That(ParsedCommand.Parse(sb.ToString()).Code, Is.EqualTo(ErrorCode.BadRequest));
    }

    [Test]
    public void TryRead_HugeNumbers_AreRefusedNotOverflowed()
    {
        string digits = new('9', 100_000);
        Assert.That(ParsedCommand.Parse($$"""{"type":"join","room":"r","since":{{digits}}}""").Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(ParsedCommand.Parse($$"""{"type":"history","room":"r","limit":{{digits}}}""").Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(ParsedCommand.Parse("""{"type":"history","room":"r","before":1e999999}""").Code, Is.EqualTo(ErrorCode.BadRequest));
        // ...and ignored where the type does not use the field.
        Assert.That(ParsedCommand.Parse($$"""{"type":"ping","since":{{digits}}}""").Ok, Is.True);
    }

    [Test]
    public void TryRead_OneMegabyteText_IsTooLarge()
    {
        string text = new('a', 1 << 20);
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"message","room":"r","text":"{{text}}","ref":"big"}""");
        Assert.That((p.Ok, p.Code, p.Ref), Is.EqualTo((false, ErrorCode.TooLarge, "big")));
    }

    [Test]
    public void TryRead_OneMegabyteEscapedText_IsTooLarge()
    {
        var sb = new StringBuilder("""{"type":"message","room":"r","text":" """.TrimEnd());
        for (int i = 0; i < (1 << 20) / 6; i++) sb.Append("\\u00e9");
        sb.Append("\"}");
        Assert.That(ParsedCommand.Parse(sb.ToString()).Code, Is.EqualTo(ErrorCode.TooLarge));
    }

    [Test]
    public void TryRead_OneMegabyteRoomOrRef_IsBadRequest()
    {
        string big = new('a', 1 << 20);
        Assert.That(ParsedCommand.Parse($$"""{"type":"join","room":"{{big}}"}""").Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(ParsedCommand.Parse($$"""{"type":"ping","ref":"{{big}}"}""").Code, Is.EqualTo(ErrorCode.BadRequest));
    }

    [Test]
    public void TryRead_OneMegabyteUnknownField_IsIgnored()
    {
        string big = new('a', 1 << 20);
        Assert.That(ParsedCommand.Parse($$"""{"type":"ping","junk":"{{big}}"}""").Ok, Is.True);
    }

    [TestCase("\\ud800")]          // lone high surrogate
    [TestCase("\\udc00")]          // lone low surrogate
    [TestCase("\\udc00\\ud800")]   // reversed pair
    [TestCase("\\ud800x")]         // high surrogate then a plain character
    [TestCase("\\ud800\\n")]       // high surrogate then another escape
    [TestCase("\\ud800\\u0041")]   // high surrogate then a non-surrogate \u escape
    [TestCase("\\ud83d\\ud83d")]   // two high surrogates
    public void TryRead_LoneSurrogateEscape_IsBadRequest(string escaped)
    {
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"message","room":"r","text":"a{{escaped}}b"}""");
        Assert.That((p.Ok, p.Code), Is.EqualTo((false, ErrorCode.BadRequest)));
        Assert.That(p.Message, Does.Contain("not valid Unicode"));
    }

    [Test]
    public void TryRead_LoneSurrogateEscapeInAFieldTheTypeDoesNotUse_IsIgnored()
    {
        Assert.That(ParsedCommand.Parse("""{"type":"ping","x":"\ud800"}""").Ok, Is.True);
        Assert.That(ParsedCommand.Parse("""{"type":"join","room":"r","text":"\ud800"}""").Ok, Is.True);
    }

    private static readonly byte[][] s_invalidUtf8 =
    [
        [0xC3, 0x28],               // bad continuation
        [0xC0, 0xAF],               // overlong '/'
        [0xED, 0xA0, 0x80],         // UTF-8-encoded surrogate
        [0xF4, 0x90, 0x80, 0x80],   // above U+10FFFF
        [0xE2, 0x82],               // truncated sequence
        [0xFF],
    ];

    [TestCaseSource(nameof(s_invalidUtf8))]
    public void TryRead_InvalidUtf8InAKeptString_IsBadRequest(byte[] invalid)
    {
        foreach (bool escapedToo in new[] { false, true })
        {
            byte[] json = [.. """{"type":"message","room":"r","text":"a"""u8, .. invalid, .. (escapedToo ? "\\n"u8 : ""u8), .. "\"}"u8];
            ParsedCommand p = ParsedCommand.Parse(json);
            Assert.That((p.Ok, p.Code), Is.EqualTo((false, ErrorCode.BadRequest)), escapedToo ? "with an escape" : "raw");
        }
    }

    [TestCaseSource(nameof(s_invalidUtf8))]
    public void TryRead_InvalidUtf8InARef_IsBadRequestWithoutEcho(byte[] invalid)
    {
        byte[] json = [.. """{"type":"ping","ref":"a"""u8, .. invalid, .. "\"}"u8];
        ParsedCommand p = ParsedCommand.Parse(json);
        Assert.That((p.Ok, p.Code, p.Ref), Is.EqualTo((false, ErrorCode.BadRequest, (string?)null)));
    }

    [Test]
    public void TryRead_RandomBytes_NeverThrow()
    {
        var random = new Random(1234);
        byte[] seed = Encoding.UTF8.GetBytes("""{"type":"message","room":"general","text":"h\u00e9llo \ud83d\ude00","ref":"1","since":5}""");
        for (int round = 0; round < 5_000; round++)
        {
            byte[] json = (byte[])seed.Clone();
            int flips = random.Next(1, 4);
            for (int k = 0; k < flips; k++) json[random.Next(json.Length)] = (byte)random.Next(256);
            Assert.DoesNotThrow(() => ParsedCommand.Parse(json), $"round {round}: {Convert.ToHexString(json)}");
        }
    }
}
