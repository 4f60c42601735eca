using System.Text;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Protocol;

public class DetachedCommandTests
{
    [Test]
    public void Detach_SourceBufferReusedAfterwards_CopyKeepsEveryField()
    {
        byte[] json = Encoding.UTF8.GetBytes("""{"type":"message","room":"general","text":"caf\u00e9","ref":"r1"}""");
        Assert.That(ClientMessageReader.TryRead(json, out ClientCommand cmd, out _), Is.True);
        using DetachedCommand detached = cmd.Detach();

        Array.Fill(json, (byte)'X');                                   // the connection reuses its buffer
        ClientMessageReader.TryRead("""{"type":"message","room":"other","text":"\u0041\u0042"}"""u8, out _, out _);   // and the thread's scratch

        Assert.That(detached.Type, Is.EqualTo(CommandType.Message));
        Assert.That(Encoding.UTF8.GetString(detached.Room), Is.EqualTo("general"));
        Assert.That(Encoding.UTF8.GetString(detached.Text), Is.EqualTo("café"));
        Assert.That(Encoding.UTF8.GetString(detached.Ref), Is.EqualTo("r1"));
        Assert.That(detached.To.IsEmpty && detached.Token.IsEmpty && detached.Dm.IsEmpty, Is.True);
    }

    [Test]
    public void Detach_ScalarFields_AreCopied()
    {
        Assert.That(ClientMessageReader.TryRead("""{"type":"history","dm":"u2","limit":7,"before":99}"""u8, out ClientCommand cmd, out _), Is.True);
        using DetachedCommand detached = cmd.Detach();
        Assert.That((detached.Type, detached.Limit, detached.Before, detached.Since), Is.EqualTo((CommandType.History, (int?)7, (long?)99, (long?)null)));
        Assert.That(Encoding.UTF8.GetString(detached.Dm), Is.EqualTo("u2"));
    }

    [Test]
    public void Detach_ReadOnAnotherThread_SeesTheSameBytes()
    {
        Assert.That(ClientMessageReader.TryRead("""{"type":"dm","to":"u9","text":"across threads"}"""u8, out ClientCommand cmd, out _), Is.True);
        DetachedCommand detached = cmd.Detach();
        string text = Task.Run(() =>
        {
            string t = Encoding.UTF8.GetString(detached.Text);
            detached.Dispose();
            return t;
        }).GetAwaiter().GetResult();
        Assert.That(text, Is.EqualTo("across threads"));
    }

    [Test]
    public void Dispose_Twice_IsHarmlessAndEmptiesTheFields()
    {
        Assert.That(ClientMessageReader.TryRead("""{"type":"leave","room":"r"}"""u8, out ClientCommand cmd, out _), Is.True);
        DetachedCommand detached = cmd.Detach();
        detached.Dispose();
        detached.Dispose();
        Assert.That(detached.Room.IsEmpty, Is.True);
    }
}
