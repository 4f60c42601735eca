using System.Text;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Protocol;

/// <summary>Missing, ill-typed, duplicated and out-of-range fields; every one is refused without an exception.</summary>
public class ClientMessageReaderRefusalTests
{
    // Each: a message with one field missing or ill-typed, and a fragment of the expected error message.
    private static readonly object[] s_badFields =
    [
        new object[] { """{"room":"r"}""", "missing field 'type'" },
        new object[] { """{"type":5,"room":"r"}""", "field 'type' must be a string" },
        new object[] { """{"type":null}""", "field 'type' must be a string" },
        new object[] { """{"type":"shout","room":"r"}""", "unknown type" },
        new object[] { """{"type":"MESSAGE","room":"r","text":"hi"}""", "unknown type" },
        new object[] { """{"type":"auth"}""", "missing field 'token'" },
        new object[] { """{"type":"auth","token":42}""", "field 'token' must be a non-empty string" },
        new object[] { """{"type":"auth","token":""}""", "field 'token' must be a non-empty string" },
        new object[] { """{"type":"join"}""", "missing field 'room'" },
        new object[] { """{"type":"join","room":7}""", "field 'room' must be a string" },
        new object[] { """{"type":"join","room":null}""", "field 'room' must be a string" },
        new object[] { """{"type":"join","room":["r"]}""", "field 'room' must be a string" },
        new object[] { """{"type":"join","room":"r","since":"5"}""", "field 'since'" },
        new object[] { """{"type":"join","room":"r","since":-1}""", "field 'since'" },
        new object[] { """{"type":"join","room":"r","since":1.5}""", "field 'since'" },
        new object[] { """{"type":"join","room":"r","since":1e3}""", "field 'since'" },
        new object[] { """{"type":"join","room":"r","since":9223372036854775808}""", "field 'since'" },
        new object[] { """{"type":"join","room":"r","since":true}""", "field 'since'" },
        new object[] { """{"type":"leave"}""", "missing field 'room'" },
        new object[] { """{"type":"leave","room":{}}""", "field 'room' must be a string" },
        new object[] { """{"type":"message","text":"hi"}""", "missing field 'room'" },
        new object[] { """{"type":"message","room":"r"}""", "missing field 'text'" },
        new object[] { """{"type":"message","room":"r","text":5}""", "field 'text' must be a non-empty string" },
        new object[] { """{"type":"message","room":"r","text":""}""", "field 'text' must be a non-empty string" },
        new object[] { """{"type":"message","room":"r","text":null}""", "field 'text' must be a non-empty string" },
        new object[] { """{"type":"dm","text":"hi"}""", "missing field 'to'" },
        new object[] { """{"type":"dm","to":"u2"}""", "missing field 'text'" },
        new object[] { """{"type":"dm","to":2,"text":"hi"}""", "field 'to'" },
        new object[] { """{"type":"dm","to":"","text":"hi"}""", "field 'to'" },
        new object[] { """{"type":"typing","room":"r"}""", "missing field 'status'" },
        new object[] { """{"type":"typing","room":"r","status":"true"}""", "field 'status' must be true or false" },
        new object[] { """{"type":"typing","room":"r","status":1}""", "field 'status' must be true or false" },
        new object[] { """{"type":"typing","room":"r","status":null}""", "field 'status' must be true or false" },
        new object[] { """{"type":"typing","status":true}""", "missing field 'room'" },
        new object[] { """{"type":"list_users"}""", "missing field 'room'" },
        new object[] { """{"type":"list_users","room":false}""", "field 'room' must be a string" },
        new object[] { """{"type":"history"}""", "missing field 'room' (or 'dm')" },
        new object[] { """{"type":"history","room":"r","dm":"u2"}""", "not both" },
        new object[] { """{"type":"history","dm":5}""", "field 'dm'" },
        new object[] { """{"type":"history","room":"r","limit":0}""", "field 'limit'" },
        new object[] { """{"type":"history","room":"r","limit":101}""", "field 'limit'" },
        new object[] { """{"type":"history","room":"r","limit":-5}""", "field 'limit'" },
        new object[] { """{"type":"history","room":"r","limit":"10"}""", "field 'limit'" },
        new object[] { """{"type":"history","room":"r","limit":10.0}""", "field 'limit'" },
        new object[] { """{"type":"history","room":"r","before":-1}""", "field 'before'" },
        new object[] { """{"type":"history","room":"r","before":"9"}""", "field 'before'" },
        new object[] { """{"type":"ping","ref":5}""", "field 'ref'" },
        new object[] { """{"type":"ping","ref":{}}""", "field 'ref'" },
    ];

    [TestCaseSource(nameof(s_badFields))]
    public void TryRead_MissingOrIllTypedField_IsBadRequest(string json, string messageFragment)
    {
        ParsedCommand p = ParsedCommand.Parse(json);
        Assert.That(p.Ok, Is.False);
        Assert.That(p.Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(p.Message, Does.Contain(messageFragment));
        Assert.That(p.Room ?? p.Text ?? p.To ?? p.Token ?? p.Dm, Is.Null, "a refusal carries no borrowed fields but type and ref");
    }

    [TestCase("")]
    [TestCase("   \r\n\t ")]
    public void TryRead_EmptyMessage_IsBadRequest(string json)
    {
        ParsedCommand p = ParsedCommand.Parse(json);
        Assert.That((p.Ok, p.Code, p.Message), Is.EqualTo((false, ErrorCode.BadRequest, "empty message")));
    }

    [TestCase("[]")]
    [TestCase("""["type","ping"]""")]
    [TestCase("\"ping\"")]
    [TestCase("42")]
    [TestCase("null")]
    [TestCase("true")]
    [TestCase("type=ping")]
    public void TryRead_NonObject_IsBadRequest(string json)
    {
        ParsedCommand p = ParsedCommand.Parse(json);
        Assert.That((p.Ok, p.Code, p.Message), Is.EqualTo((false, ErrorCode.BadRequest, "a message must be a JSON object")));
    }

    [TestCase("""{"type":"ping"} x""")]
    [TestCase("""{"type":"ping"}{"type":"ping"}""")]
    [TestCase("""{"type":"ping"},""")]
    [TestCase("""{"type":"ping",}""")]
    [TestCase("""{"type":"ping" /* hi */}""")]
    [TestCase("""{"type":'ping'}""")]
    [TestCase("""{type:"ping"}""")]
    [TestCase("""{"type":"ping""")]
    [TestCase("""{"type":"ping",""")]
    [TestCase("""{"type":"pi""")]
    [TestCase("{")]
    [TestCase("""{"type":"message","room":"r","text":"bad \x escape"}""")]
    [TestCase("""{"type":"message","room":"r","text":"short \u12 escape"}""")]
    [TestCase("""{"type":"join","room":"r","since":01}""")]
    [TestCase("""{"type":"join","room":"r","since":+1}""")]
    [TestCase("""{"type":"join","room":"r","since":NaN}""")]
    [TestCase("{\"type\":\"message\",\"room\":\"r\",\"text\":\"raw\ttab\"}")]
    public void TryRead_InvalidJson_IsBadRequest(string json)
    {
        ParsedCommand p = ParsedCommand.Parse(json);
        Assert.That((p.Ok, p.Code, p.Message), Is.EqualTo((false, ErrorCode.BadRequest, "message is not valid JSON")));
    }

    [TestCase("type")]
    [TestCase("room")]
    [TestCase("text")]
    [TestCase("ref")]
    public void TryRead_KnownFieldTwice_IsBadRequest(string field)
    {
        string json = $$"""{"type":"message","room":"r","text":"t","ref":"x","{{field}}":"message"}""";
        ParsedCommand p = ParsedCommand.Parse(json);
        Assert.That((p.Ok, p.Code), Is.EqualTo((false, ErrorCode.BadRequest)));
        Assert.That(p.Message, Is.EqualTo($"duplicate field '{field}'"));
    }

    [Test]
    public void TryRead_KnownFieldTwiceOnceEscaped_IsStillADuplicate()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"type":"message","room":"a","r\u006fom":"b","text":"t"}""");
        Assert.That((p.Ok, p.Message), Is.EqualTo((false, "duplicate field 'room'")));
    }

    [Test]
    public void TryRead_UnknownFieldTwice_IsIgnored()
    {
        Assert.That(ParsedCommand.Parse("""{"type":"ping","x":1,"x":2}""").Ok, Is.True);
    }

    [Test]
    public void TryRead_RefusedMessage_KeepsTypeAndValidRefForTheErrorReply()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"ref":"r7","type":"join","room":"no spaces"}""");
        Assert.That((p.Ok, p.Type, p.Ref, p.Code), Is.EqualTo((false, CommandType.Join, "r7", ErrorCode.BadRequest)));
        Assert.That(p.Room, Is.Null);
    }

    [Test]
    public void TryRead_RefusedAuth_KeepsTypeSoTheCallerCanCloseWith1008()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"type":"auth","token":7}""");
        Assert.That((p.Ok, p.Type), Is.EqualTo((false, CommandType.Auth)));
    }

    [Test]
    public void TryRead_RefusedForARefThatIsTooLong_EchoesNoRef()
    {
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"ping","ref":"{{new string('r', 65)}}"}""");
        Assert.That((p.Ok, p.Ref, p.Type), Is.EqualTo((false, (string?)null, CommandType.Ping)));
    }

    [Test]
    public void TryRead_InvalidJsonAfterARef_EchoesNoRefAndNoType()
    {
        ParsedCommand p = ParsedCommand.Parse("""{"ref":"r1","type":"ping",""");
        Assert.That((p.Ok, p.Ref, p.Type), Is.EqualTo((false, (string?)null, CommandType.None)));
    }

    [TestCase("general room")]
    [TestCase("général")]
    [TestCase("a/b")]
    [TestCase("a\\u0000b")]
    [TestCase("#chan")]
    [TestCase("")]
    public void TryRead_RoomOutsideTheAllowedCharacters_IsBadRequest(string room)
    {
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"join","room":"{{room}}"}""");
        Assert.That((p.Ok, p.Code), Is.EqualTo((false, ErrorCode.BadRequest)));
    }
}
