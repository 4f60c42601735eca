using System.Text;
using WsChat.Core.Client;
using WsChat.Core.Protocol;
using WsChat.Tests.Core.Protocol;

namespace WsChat.Tests.Core.Client;

/// <summary>What the client sends, read back by the server's own reader (so the two cannot drift apart).</summary>
public class ClientMessageWriterTests
{
    [Test]
    public void Message_Section6Example_IsByteExact() =>
        Assert.That(Encoding.UTF8.GetString(ClientMessageWriter.Message("general", "Hello!", "2")), Is.EqualTo("""{"type":"message","room":"general","text":"Hello!","ref":"2"}"""));

    [Test]
    public void Join_WithAndWithoutSince_ReadByTheServer()
    {
        ParsedCommand first = ParsedCommand.Parse(ClientMessageWriter.Join("general", null, "1"));
        ParsedCommand again = ParsedCommand.Parse(ClientMessageWriter.Join("general", 41, "9"));
        Assert.Multiple(() =>
        {
            Assert.That((first.Ok, first.Type, first.Room, first.Since, first.Ref), Is.EqualTo((true, CommandType.Join, "general", (long?)null, "1")));
            Assert.That((again.Ok, again.Since, again.Ref), Is.EqualTo((true, (long?)41, "9")));
        });
    }

    [Test]
    public void EveryCommand_ReadByTheServer_WithItsFields()
    {
        Assert.Multiple(() =>
        {
            ParsedCommand auth = ParsedCommand.Parse(ClientMessageWriter.Auth("a.b.c", "r"));
            Assert.That((auth.Ok, auth.Type, auth.Token, auth.Ref), Is.EqualTo((true, CommandType.Auth, "a.b.c", "r")));
            ParsedCommand leave = ParsedCommand.Parse(ClientMessageWriter.Leave("x", "r"));
            Assert.That((leave.Ok, leave.Type, leave.Room), Is.EqualTo((true, CommandType.Leave, "x")));
            ParsedCommand dm = ParsedCommand.Parse(ClientMessageWriter.Dm("u2", "psst", "r"));
            Assert.That((dm.Ok, dm.Type, dm.To, dm.Text), Is.EqualTo((true, CommandType.Dm, "u2", "psst")));
            ParsedCommand typing = ParsedCommand.Parse(ClientMessageWriter.Typing("x", true));
            Assert.That((typing.Ok, typing.Type, typing.Room, typing.TypingStatus, typing.Ref), Is.EqualTo((true, CommandType.Typing, "x", true, (string?)null)));
            ParsedCommand users = ParsedCommand.Parse(ClientMessageWriter.ListUsers("x", "r"));
            Assert.That((users.Ok, users.Type, users.Room), Is.EqualTo((true, CommandType.ListUsers, "x")));
            ParsedCommand history = ParsedCommand.Parse(ClientMessageWriter.History("x", null, 100, 20, "r"));
            Assert.That((history.Ok, history.Type, history.Room, history.Before, history.Limit), Is.EqualTo((true, CommandType.History, "x", (long?)100, (int?)20)));
            ParsedCommand dmHistory = ParsedCommand.Parse(ClientMessageWriter.History(null, "u2", null, null, "r"));
            Assert.That((dmHistory.Ok, dmHistory.Dm, dmHistory.Room, dmHistory.Before, dmHistory.Limit), Is.EqualTo((true, "u2", (string?)null, (long?)null, (int?)null)));
            ParsedCommand ping = ParsedCommand.Parse(ClientMessageWriter.Ping(null));
            Assert.That((ping.Ok, ping.Type, ping.Ref), Is.EqualTo((true, CommandType.Ping, (string?)null)));
        });
    }

    [Test]
    public void Message_TextWithQuotesControlsHtmlAndEmoji_ReachesTheServerByteExact()
    {
        string text = "say \"hi\" \\ <b>&</b>\n\t\u0001 é 😀 \u2028";
        byte[] json = ClientMessageWriter.Message("r", text, "1");
        Assert.Multiple(() =>
        {
            Assert.That(ParsedCommand.Parse(json).Text, Is.EqualTo(text));
            string raw = Encoding.UTF8.GetString(json);
            Assert.That(raw, Does.Contain("<b>&</b>").And.Contain("😀").And.Contain("é"), "only what JSON requires is escaped");
        });
    }

    [Test]
    public void Message_LoneSurrogate_SentAsReplacementCharacter()
    {
        // UTF-16 that has no UTF-8 form: the server would refuse invalid Unicode, so it goes out as U+FFFD.
        ParsedCommand parsed = ParsedCommand.Parse(ClientMessageWriter.Message("r", "a\ud800b", "1"));
        Assert.That((parsed.Ok, parsed.Text), Is.EqualTo((true, "a\ufffdb")));
    }

    [Test]
    public void Message_64KiBText_WrittenWhole_AndTheNextMessageIsUnaffected()
    {
        string big = new('x', 64 * 1024);
        Assert.That(ParsedCommand.Parse(ClientMessageWriter.Message("r", big, "1"), maxTextLength: big.Length).Text, Is.EqualTo(big));
        Assert.That(Encoding.UTF8.GetString(ClientMessageWriter.Ping("p")), Is.EqualTo("""{"type":"ping","ref":"p"}"""));
    }
}
