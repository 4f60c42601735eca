using System.Text;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Protocol;

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
    }
}
