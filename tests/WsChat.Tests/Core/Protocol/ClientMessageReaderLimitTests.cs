using System.Text;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Protocol;

/// <summary>Every §3/§5 limit at the limit and one past it.</summary>
public class ClientMessageReaderLimitTests
{
    [TestCase("r", 64, true)]
    [TestCase("r", 65, false)]
    [TestCase("é", 64, true)]     // 2 bytes per character: counted in characters
    [TestCase("é", 65, false)]
    [TestCase("😀", 64, true)]    // 4 bytes, an astral character is one code point
    [TestCase("😀", 65, false)]
    public void TryRead_RefLength_AtLimitAcceptedPastRefused(string unit, int count, bool accepted)
    {
        string @ref = string.Concat(Enumerable.Repeat(unit, count));
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"ping","ref":"{{@ref}}"}""");
        Assert.That(p.Ok, Is.EqualTo(accepted), p.Message);
        if (accepted) Assert.That(p.Ref, Is.EqualTo(@ref));
        else Assert.That(p.Code, Is.EqualTo(ErrorCode.BadRequest));
    }

    [TestCase(1, true)]
    [TestCase(64, true)]
    [TestCase(65, false)]
    public void TryRead_RoomLength_AtLimitAcceptedPastRefused(int length, bool accepted)
    {
        string room = new('a', length);
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"join","room":"{{room}}"}""");
        Assert.That(p.Ok, Is.EqualTo(accepted), p.Message);
        if (!accepted) Assert.That(p.Code, Is.EqualTo(ErrorCode.BadRequest));
    }

    [Test]
    public void TryRead_RoomOfEveryAllowedCharacter_IsAccepted()
    {
        const string All = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-";
        Assert.That(ParsedCommand.Parse($$"""{"type":"join","room":"{{All[..64]}}"}""").Ok, Is.True);
        Assert.That(ParsedCommand.Parse($$"""{"type":"join","room":"{{All[64..]}}"}""").Ok, Is.True);
    }

    [Test]
    public void TryRead_EveryByteOutsideTheRoomAlphabet_IsRefused()
    {
        const string All = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-";
        for (int c = 0x20; c < 0x7F; c++)
        {
            if (All.Contains((char)c) || c == '"' || c == '\\') continue;
            ParsedCommand p = ParsedCommand.Parse($$"""{"type":"join","room":"a{{(char)c}}b"}""");
            Assert.That(p.Ok, Is.False, $"character 0x{c:X2}");
        }
    }

    [TestCase("a", 4096, true)]
    [TestCase("a", 4097, false)]
    [TestCase("é", 4096, true)]
    [TestCase("é", 4097, false)]
    [TestCase("€", 4096, true)]
    [TestCase("€", 4097, false)]
    [TestCase("😀", 4096, true)]     // 16 KiB of UTF-8, still 4096 characters
    [TestCase("😀", 4097, false)]
    public void TryRead_TextLength_AtLimitAcceptedPastTooLarge(string unit, int count, bool accepted)
    {
        string text = string.Concat(Enumerable.Repeat(unit, count));
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"message","room":"r","text":"{{text}}"}""");
        Assert.That(p.Ok, Is.EqualTo(accepted), p.Message);
        if (accepted) Assert.That(p.Text, Is.EqualTo(text));
        else Assert.That(p.Code, Is.EqualTo(ErrorCode.TooLarge));
    }

    [TestCase(4096, true)]
    [TestCase(4097, false)]
    public void TryRead_EscapedTextLength_IsCountedOnTheDecodedValue(int count, bool accepted)
    {
        // 4096 × "\n" is 8192 bytes on the wire but 4096 characters meant.
        string escaped = string.Concat(Enumerable.Repeat("\\n", count));
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"dm","to":"u","text":"{{escaped}}"}""");
        Assert.That(p.Ok, Is.EqualTo(accepted), p.Message);
        if (accepted) Assert.That(p.Text, Has.Length.EqualTo(count));
        else Assert.That(p.Code, Is.EqualTo(ErrorCode.TooLarge));
    }

    [TestCase(1, true)]
    [TestCase(100, true)]
    [TestCase(0, false)]
    [TestCase(101, false)]
    public void TryRead_HistoryLimit_InsideOneToOneHundred(int limit, bool accepted)
    {
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"history","room":"r","limit":{{limit}}}""");
        Assert.That(p.Ok, Is.EqualTo(accepted), p.Message);
        if (accepted) Assert.That(p.Limit, Is.EqualTo(limit));
        else Assert.That(p.Code, Is.EqualTo(ErrorCode.BadRequest));
    }

    [TestCase(0L, true)]
    [TestCase(long.MaxValue, true)]
    [TestCase(-1L, false)]
    [TestCase(long.MinValue, false)]
    public void TryRead_Before_IsANonNegative64BitInteger(long before, bool accepted)
    {
        ParsedCommand p = ParsedCommand.Parse($$"""{"type":"history","room":"r","before":{{before}}}""");
        Assert.That(p.Ok, Is.EqualTo(accepted), p.Message);
        if (accepted) Assert.That(p.Before, Is.EqualTo(before));
    }

    [TestCase(256, true)]
    [TestCase(257, false)]
    public void TryRead_UserIdLength_AtLimitAcceptedPastRefused(int length, bool accepted)
    {
        string id = new('u', length);
        Assert.That(ParsedCommand.Parse($$"""{"type":"dm","to":"{{id}}","text":"x"}""").Ok, Is.EqualTo(accepted));
        Assert.That(ParsedCommand.Parse($$"""{"type":"history","dm":"{{id}}"}""").Ok, Is.EqualTo(accepted));
    }

    [Test]
    public void CountCodePoints_MatchesRuneCount_AcrossVectorBoundaries()
    {
        var random = new Random(42);
        string[] alphabet = ["a", "é", "€", "😀", "\0", "日"];
        for (int length = 0; length < 200; length++)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < length; i++) sb.Append(alphabet[random.Next(alphabet.Length)]);
            string s = sb.ToString();
            byte[] utf8 = Encoding.UTF8.GetBytes(s);
            Assert.That(Utf8Text.CountCodePoints(utf8), Is.EqualTo(s.EnumerateRunes().Count()), s);
        }
    }
}
