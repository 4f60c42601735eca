using System.Text;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Protocol;

/// <summary>DESIGN.md: zero allocations per message on the steady path, for every client message type.</summary>
public class ClientMessageReaderAllocationTests
{
    private static readonly string[] s_messages =
    [
        """{"type":"auth","token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln","ref":"1"}""",
        """{"type":"join","room":"general","since":41,"ref":"2"}""",
        """{"type":"leave","room":"general","ref":"3"}""",
        """{"type":"message","room":"general","text":"hi","ref":"7"}""",
        """{"type":"message","room":"general","text":"caf\u00e9\n\ud83d\ude00 \"quoted\"","ref":"\u0038"}""",
        """{"type":"dm","to":"u2","text":"psst","ref":"4"}""",
        """{"type":"typing","room":"general","status":true}""",
        """{"type":"list_users","room":"general","ref":"5"}""",
        """{"type":"history","room":"general","limit":50,"before":1000,"ref":"6"}""",
        """{"type":"history","dm":"u2","limit":50}""",
        """{"type":"ping","ref":"p"}""",
        // Refused but well-formed: the error path allocates nothing either.
        """{"type":"join","room":"bad room","ref":"9"}""",
        """{"type":"shout"}""",
        """[1,2,3]""",
    ];

    [TestCaseSource(nameof(s_messages))]
    public void TryRead_AfterWarmUp_AllocatesNothing(string message)
    {
        byte[] json = Encoding.UTF8.GetBytes(message);
        ClientMessageReader.TryRead(json, out _, out _);   // warm up: JIT, statics, the thread's unescape scratch
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) ClientMessageReader.TryRead(json, out _, out _);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
