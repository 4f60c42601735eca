using System.Buffers;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Protocol;

/// <summary>DESIGN.md: zero allocations per message on the steady path, for every server message.</summary>
public class ServerMessageWriterAllocationTests
{
    private delegate void WriteOne(IBufferWriter<byte> output);

    private static readonly (string Name, WriteOne Write)[] s_messages =
    [
        ("welcome", o => ServerMessageWriter.WriteWelcome(o, "u1"u8, "alice"u8, "c7"u8, 30000)),
        ("joined", o =>
        {
            ServerMessageWriter.JoinedBuilder b = ServerMessageWriter.BeginJoined(o, "general"u8);
            for (int i = 0; i < 20; i++) b.AddUser("u1"u8, "alice"u8);
            b.End(41, false, "1"u8);
        }),
        ("left", o => ServerMessageWriter.WriteLeft(o, "general"u8, "2"u8)),
        ("message", o => ServerMessageWriter.WriteMessage(o, "general"u8, 42, "alice"u8, "u1"u8, "Hello \"world\" 😀\n"u8, 1764087000000)),
        ("dm", o => ServerMessageWriter.WriteDm(o, 42, "alice"u8, "u1"u8, "u2"u8, "psst"u8, 1764087000000)),
        ("presence", o => ServerMessageWriter.WritePresence(o, "general"u8, "alice"u8, "u1"u8, true)),
        ("typing", o => ServerMessageWriter.WriteTyping(o, "general"u8, "alice"u8, "u1"u8, true)),
        ("users", o =>
        {
            ServerMessageWriter.UsersBuilder b = ServerMessageWriter.BeginUsers(o, "general"u8);
            b.AddUser("u1"u8, "alice"u8);
            b.End("3"u8);
        }),
        ("history", o =>
        {
            ServerMessageWriter.HistoryBuilder b = ServerMessageWriter.BeginRoomHistory(o, "general"u8);
            for (int i = 0; i < 50; i++) b.AddMessage(i, "alice"u8, "u1"u8, "Hello!"u8, 1764087000000);
            b.End(true, "4"u8);
        }),
        ("dm history", o =>
        {
            ServerMessageWriter.HistoryBuilder b = ServerMessageWriter.BeginDmHistory(o, "u2"u8);
            b.AddDm(1, "alice"u8, "u1"u8, "u2"u8, "hi"u8, 1);
            b.End(false, default);
        }),
        ("ack", o => ServerMessageWriter.WriteAck(o, "2"u8, 42, "general"u8)),
        ("dm ack", o => ServerMessageWriter.WriteDmAck(o, "2"u8, 42, "u2"u8)),
        ("auth ack", o => ServerMessageWriter.WriteAck(o, "2"u8)),
        ("auth ack with expiry", o => ServerMessageWriter.WriteAck(o, "2"u8, 1764090600000)),
        ("history of raw items", o =>
        {
            ServerMessageWriter.HistoryBuilder b = ServerMessageWriter.BeginRoomHistory(o, "general"u8);
            for (int i = 0; i < 50; i++) b.AddRaw("""{"room":"general","id":1,"from":"a","from_id":"u1","text":"hi","timestamp":1}"""u8);
            b.End(true, "4"u8);
        }),
        ("error", o => ServerMessageWriter.WriteError(o, ErrorCode.RateLimited, "rate limited", "5"u8, 120)),
        ("pong", o => ServerMessageWriter.WritePong(o, "6"u8)),
    ];

    private static IEnumerable<TestCaseData> Messages() => s_messages.Select(m => new TestCaseData(m.Write).SetArgDisplayNames(m.Name));

    [TestCaseSource(nameof(Messages))]
    public void Write_AfterWarmUp_AllocatesNothing(Delegate write)
    {
        var writeOne = (WriteOne)write;
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        writeOne(output);   // warm up: JIT, the thread's Utf8JsonWriter
        output.ResetWrittenCount();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            writeOne(output);
            output.ResetWrittenCount();
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
