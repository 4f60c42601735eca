using System.Text;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Protocol;

/// <summary>Every client message of PROTOCOL.md §3, parsed; field rules; what is ignored.</summary>
public class ClientMessageReaderTests
{
    [Test]
    public void TryRead_ChatMessageWithRef_YieldsMessageCommand()
    {
        bool ok = ClientMessageReader.TryRead("""{"type":"message","room":"general","text":"Hello!","ref":"2"}"""u8, out ClientCommand cmd, out ProtocolError error);
        Assert.That(ok, Is.True, error.ToString());
        Assert.That(cmd.Type, Is.EqualTo(CommandType.Message));
        Assert.That(Encoding.UTF8.GetString(cmd.Room), Is.EqualTo("general"));
        Assert.That(Encoding.UTF8.GetString(cmd.Text), Is.EqualTo("Hello!"));
        Assert.That(Encoding.UTF8.GetString(cmd.Ref), Is.EqualTo("2"));
        Assert.That(error.Code, Is.EqualTo(ErrorCode.None));
    }

    [Test]
    public void TryRead_Auth_YieldsToken()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"type":"auth","token":"eyJhbGciOiJIUzI1NiJ9.e30.sig","ref":"a"}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Auth) with { Token = "eyJhbGciOiJIUzI1NiJ9.e30.sig", Ref = "a" }));
    }

    [Test]
    public void TryRead_JoinWithoutSince_SinceIsNull()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"type":"join","room":"general","ref":"1"}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Join) with { Room = "general", Ref = "1" }));
    }

    [Test]
    public void TryRead_JoinWithSince_YieldsSince()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"type":"join","room":"general","since":41}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Join) with { Room = "general", Since = 41 }));
    }

    [Test]
    public void TryRead_Leave_YieldsRoom()
    {
        Assert.That(ParsedCommand.Parse("""{"type":"leave","room":"a.b:c-d_9"}"""), Is.EqualTo(Ok(CommandType.Leave) with { Room = "a.b:c-d_9" }));
    }

    [Test]
    public void TryRead_Dm_YieldsToAndText()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"type":"dm","to":"u2","text":"psst","ref":"9"}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Dm) with { To = "u2", Text = "psst", Ref = "9" }));
    }

    [TestCase("true", true)]
    [TestCase("false", false)]
    public void TryRead_Typing_YieldsStatus(string status, bool expected)
    {
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"typing","room":"general","status":{{status}}}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Typing) with { Room = "general", TypingStatus = expected }));
    }

    [Test]
    public void TryRead_ListUsers_YieldsRoom()
    {
        Assert.That(ParsedCommand.Parse("""{"type":"list_users","room":"general"}"""), Is.EqualTo(Ok(CommandType.ListUsers) with { Room = "general" }));
    }

    [Test]
    public void TryRead_RoomHistoryWithAllFields_YieldsThem()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"type":"history","room":"general","limit":20,"before":100,"ref":"h"}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.History) with { Room = "general", Limit = 20, Before = 100, Ref = "h" }));
    }

    [Test]
    public void TryRead_DmHistory_YieldsDm()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"type":"history","dm":"u2"}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.History) with { Dm = "u2" }));
    }

    [Test]
    public void TryRead_Ping_YieldsPing()
    {
        Assert.That(ParsedCommand.Parse("""{"type":"ping"}"""), Is.EqualTo(Ok(CommandType.Ping)));
        Assert.That(ParsedCommand.Parse("""{"type":"ping","ref":"p1"}"""), Is.EqualTo(Ok(CommandType.Ping) with { Ref = "p1" }));
    }

    [Test]
    public void TryRead_TypeAfterOtherFields_StillParses()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"text":"hi","ref":"7","room":"general","type":"message"}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Message) with { Room = "general", Text = "hi", Ref = "7" }));
    }

    [Test]
    public void TryRead_WhitespaceAroundAndInside_Parses()
    {
        ParsedCommand p = ParsedCommand.Parse(" \r\n\t{ \"type\" : \"ping\" ,\n \"ref\":\"x\" } \n\t ");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Ping) with { Ref = "x" }));
    }

    [Test]
    public void TryRead_UnknownFieldsOfEveryKind_AreIgnored()
    {
        ParsedCommand p = ParsedCommand.Parse(
            """{"type":"message","x":1,"room":"general","meta":{"a":[1,{"b":null}],"c":"d"},"list":[true,false],"text":"hi","n":null,"f":1.5e300}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Message) with { Room = "general", Text = "hi" }));
    }

    [Test]
    public void TryRead_FieldsTheTypeDoesNotDefine_AreIgnoredWhateverTheirValue()
    {
        // "text" and "limit" mean nothing to join; an ill-typed value there does not refuse the join.
        ParsedCommand p = ParsedCommand.Parse("""{"type":"join","room":"general","text":5,"limit":"x","status":"maybe","to":[]}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Join) with { Room = "general" }));
    }

    [Test]
    public void TryRead_EscapedPropertyNamesAndTypeValue_AreMatchedDecoded()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"\u0074ype":"mess\u0061ge","r\u006fom":"general","text":"hi"}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Message) with { Room = "general", Text = "hi" }));
    }

    [Test]
    public void TryRead_EveryKnownNameEscaped_IsStillRecognised()
    {
        // \u0074 't', \u0072 'r', \u0064 'd', \u0073 's', \u006c 'l', \u0062 'b': first letter of each name escaped.
        Assert.That(ParsedCommand.Parse("""{"\u0074ype":"dm","\u0074o":"u2","\u0074ext":"x","\u0072ef":"1"}"""),
            Is.EqualTo(Ok(CommandType.Dm) with { To = "u2", Text = "x", Ref = "1" }));
        Assert.That(ParsedCommand.Parse("""{"type":"auth","\u0074oken":"t"}"""), Is.EqualTo(Ok(CommandType.Auth) with { Token = "t" }));
        Assert.That(ParsedCommand.Parse("""{"type":"join","\u0072oom":"r","\u0073ince":3}"""), Is.EqualTo(Ok(CommandType.Join) with { Room = "r", Since = 3 }));
        Assert.That(ParsedCommand.Parse("""{"type":"typing","room":"r","\u0073tatus":true}"""), Is.EqualTo(Ok(CommandType.Typing) with { Room = "r", TypingStatus = true }));
        Assert.That(ParsedCommand.Parse("""{"type":"history","\u0064m":"u2","\u006cimit":5,"\u0062efore":9}"""),
            Is.EqualTo(Ok(CommandType.History) with { Dm = "u2", Limit = 5, Before = 9 }));
    }

    [TestCase("""{"type":"message","room":"r","text":"line1\nline2"}""", "line1\nline2")]
    [TestCase("""{"type":"message","room":"r","text":"say \"hi\" \\ \/ \b\f\r\t"}""", "say \"hi\" \\ / \b\f\r\t")]
    [TestCase("""{"type":"message","room":"r","text":"caf\u00e9 \u20ac"}""", "café €")]
    [TestCase("""{"type":"message","room":"r","text":"\ud83d\ude00 grin"}""", "😀 grin")]
    [TestCase("""{"type":"message","room":"r","text":"\u0000nul"}""", "\0nul")]
    [TestCase("""{"type":"message","room":"r","text":"<b>&amp;'</b>"}""", "<b>&amp;'</b>")]
    public void TryRead_EscapedText_IsDecodedToTheMeantString(string json, string expected)
    {
        ParsedCommand p = ParsedCommand.Parse(json);
        Assert.That(p.Ok, Is.True, p.Message);
        Assert.That(p.Text, Is.EqualTo(expected));
    }

    [Test]
    public void TryRead_RawNonAsciiText_IsBorrowedByteExact()
    {
        byte[] json = Encoding.UTF8.GetBytes("""{"type":"message","room":"r","text":"Grüße 😀 日本"}""");
        Assert.That(ClientMessageReader.TryRead(json, out ClientCommand cmd, out _), Is.True);
        Assert.That(cmd.Text.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes("Grüße 😀 日本")));
        // Not escaped, so the span is a slice of the message itself, not a copy.
        Assert.That(cmd.Text.Overlaps(json), Is.True);
    }

    [Test]
    public void TryRead_SeveralEscapedFields_EachKeepsItsOwnValue()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"type":"dm","to":"\u0075\u0032","text":"a\nb","ref":"\u0031"}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.Dm) with { To = "u2", Text = "a\nb", Ref = "1" }));
    }

    [TestCase("since")]
    [TestCase("before")]
    [TestCase("limit")]
    [TestCase("ref")]
    public void TryRead_NullOptionalField_MeansAbsent(string field)
    {
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"history","room":"r","{{field}}":null}""");
        Assert.That(p, Is.EqualTo(Ok(CommandType.History) with { Room = "r" }));
    }

    [Test]
    public void TryRead_EmptyRef_MeansNoRef()
    {
        Assert.That(ParsedCommand.Parse("""{"type":"ping","ref":""}"""), Is.EqualTo(Ok(CommandType.Ping)));
    }

    [Test]
    public void TryRead_MinusZeroSince_IsZero()
    {
        Assert.That(ParsedCommand.Parse("""{"type":"join","room":"r","since":-0}""").Since, Is.EqualTo(0));
    }

    [Test]
    public void TryRead_LargestSince_IsAccepted()
    {
        Assert.That(ParsedCommand.Parse("""{"type":"join","room":"r","since":9223372036854775807}""").Since, Is.EqualTo(long.MaxValue));
    }

    [Test]
    public void TryRead_CustomTextLimit_IsApplied()
    {
        byte[] json = Encoding.UTF8.GetBytes("""{"type":"message","room":"r","text":"abcde"}""");
        Assert.That(ParsedCommand.Parse(json, maxTextLength: 5).Ok, Is.True);
        Assert.That(ParsedCommand.Parse(json, maxTextLength: 4).Code, Is.EqualTo(ErrorCode.TooLarge));
    }

    private static ParsedCommand Ok(CommandType type) =>
        new(true, type, null, null, null, null, null, null, null, null, null, false, ErrorCode.None, string.Empty);
}
