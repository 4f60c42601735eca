using System.Buffers;
using System.Text;
using System.Text.Json;
using WsChat.Core.Protocol;
using WsChat.Net.Buffers;

namespace WsChat.Tests.Core.Protocol;

/// <summary>Every §4 message written, parsed back with System.Text.Json: fields, values and order.</summary>
public class ServerMessageWriterTests
{
    [Test]
    public void WriteWelcome_Section6Example_IsByteExact()
    {
        string json = Write(o => ServerMessageWriter.WriteWelcome(o, "u1"u8, "alice"u8, "c7"u8, 30000));
        Assert.That(json, Is.EqualTo("""{"type":"welcome","user_id":"u1","username":"alice","session":"c7","heartbeat_ms":30000}"""));
    }

    [Test]
    public void BeginJoined_Section6Example_IsByteExact()
    {
        string json = Write(o =>
        {
            ServerMessageWriter.JoinedBuilder joined = ServerMessageWriter.BeginJoined(o, "general"u8);
            joined.AddUser("u1"u8, "alice"u8);
            joined.End(41, recovered: false, "1"u8);
        });
        Assert.That(json, Is.EqualTo("""{"type":"joined","room":"general","users":[{"user_id":"u1","username":"alice"}],"last_id":41,"recovered":false,"ref":"1"}"""));
    }

    [Test]
    public void WriteMessage_Section6Example_IsByteExact()
    {
        string json = Write(o => ServerMessageWriter.WriteMessage(o, "general"u8, 42, "alice"u8, "u1"u8, "Hello!"u8, 1764087000000));
        Assert.That(json, Is.EqualTo("""{"type":"message","room":"general","id":42,"from":"alice","from_id":"u1","text":"Hello!","timestamp":1764087000000}"""));
    }

    [Test]
    public void WriteAck_Section6Example_IsByteExact()
    {
        string json = Write(o => ServerMessageWriter.WriteAck(o, "2"u8, 42, "general"u8));
        Assert.That(json, Is.EqualTo("""{"type":"ack","ref":"2","id":42,"room":"general"}"""));
    }

    [Test]
    public void BeginJoined_SeveralUsersAndNoRef_ListsThemInOrderWithoutRef()
    {
        using JsonDocument doc = Parse(o =>
        {
            ServerMessageWriter.JoinedBuilder joined = ServerMessageWriter.BeginJoined(o, "r"u8);
            joined.AddUser("u1"u8, "alice"u8);
            joined.AddUser("u2"u8, "bob"u8);
            joined.End(0, recovered: true, default);
        });
        AssertFields(doc, "type", "room", "users", "last_id", "recovered");
        JsonElement users = doc.RootElement.GetProperty("users");
        Assert.That(users.GetArrayLength(), Is.EqualTo(2));
        Assert.That(users[1].GetProperty("user_id").GetString(), Is.EqualTo("u2"));
        Assert.That(users[1].GetProperty("username").GetString(), Is.EqualTo("bob"));
        Assert.That(doc.RootElement.GetProperty("last_id").GetInt64(), Is.Zero);
        Assert.That(doc.RootElement.GetProperty("recovered").GetBoolean(), Is.True);
    }

    [Test]
    public void WriteLeft_WithRef_HasRoomAndRef()
    {
        using JsonDocument doc = Parse(o => ServerMessageWriter.WriteLeft(o, "general"u8, "r9"u8));
        AssertFields(doc, "type", "room", "ref");
        AssertString(doc, "type", "left");
        AssertString(doc, "room", "general");
        AssertString(doc, "ref", "r9");
    }

    [Test]
    public void WriteDm_HasEveryField()
    {
        using JsonDocument doc = Parse(o => ServerMessageWriter.WriteDm(o, 7, "alice"u8, "u1"u8, "u2"u8, "psst"u8, 1764087000001));
        AssertFields(doc, "type", "id", "from", "from_id", "to", "text", "timestamp");
        AssertString(doc, "type", "dm");
        Assert.That(doc.RootElement.GetProperty("id").GetInt64(), Is.EqualTo(7));
        AssertString(doc, "from", "alice");
        AssertString(doc, "from_id", "u1");
        AssertString(doc, "to", "u2");
        AssertString(doc, "text", "psst");
        Assert.That(doc.RootElement.GetProperty("timestamp").GetInt64(), Is.EqualTo(1764087000001));
    }

    [TestCase(true, "online")]
    [TestCase(false, "offline")]
    public void WritePresence_Status_IsOnlineOrOffline(bool online, string status)
    {
        using JsonDocument doc = Parse(o => ServerMessageWriter.WritePresence(o, "general"u8, "alice"u8, "u1"u8, online));
        AssertFields(doc, "type", "room", "user", "user_id", "status");
        AssertString(doc, "type", "presence");
        AssertString(doc, "room", "general");
        AssertString(doc, "user", "alice");
        AssertString(doc, "user_id", "u1");
        AssertString(doc, "status", status);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void WriteTyping_Status_IsABoolean(bool status)
    {
        using JsonDocument doc = Parse(o => ServerMessageWriter.WriteTyping(o, "general"u8, "alice"u8, "u1"u8, status));
        AssertFields(doc, "type", "room", "user", "user_id", "status");
        AssertString(doc, "type", "typing");
        Assert.That(doc.RootElement.GetProperty("status").GetBoolean(), Is.EqualTo(status));
    }

    [Test]
    public void BeginUsers_ListsUsersThenRef()
    {
        using JsonDocument doc = Parse(o =>
        {
            ServerMessageWriter.UsersBuilder users = ServerMessageWriter.BeginUsers(o, "general"u8);
            users.AddUser("u1"u8, "alice"u8);
            users.End("lu"u8);
        });
        AssertFields(doc, "type", "room", "users", "ref");
        AssertString(doc, "type", "users");
        Assert.That(doc.RootElement.GetProperty("users")[0].GetProperty("username").GetString(), Is.EqualTo("alice"));
        AssertString(doc, "ref", "lu");
    }

    [Test]
    public void BeginUsers_NoUsers_WritesAnEmptyArray()
    {
        using JsonDocument doc = Parse(o => ServerMessageWriter.BeginUsers(o, "general"u8).End(default));
        Assert.That(doc.RootElement.GetProperty("users").GetArrayLength(), Is.Zero);
    }

    [Test]
    public void BeginRoomHistory_MessagesWithoutType_OldestFirst()
    {
        using JsonDocument doc = Parse(o =>
        {
            ServerMessageWriter.HistoryBuilder history = ServerMessageWriter.BeginRoomHistory(o, "general"u8);
            history.AddMessage(41, "alice"u8, "u1"u8, "first"u8, 1000);
            history.AddMessage(42, "bob"u8, "u2"u8, "second"u8, 2000);
            history.End(hasMore: true, "h1"u8);
        });
        AssertFields(doc, "type", "room", "messages", "has_more", "ref");
        AssertString(doc, "type", "history");
        JsonElement messages = doc.RootElement.GetProperty("messages");
        Assert.That(messages.GetArrayLength(), Is.EqualTo(2));
        Assert.That(messages[0].EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "room", "id", "from", "from_id", "text", "timestamp" }));
        Assert.That(messages[0].GetProperty("room").GetString(), Is.EqualTo("general"));
        Assert.That(messages[1].GetProperty("id").GetInt64(), Is.EqualTo(42));
        Assert.That(messages[1].GetProperty("from").GetString(), Is.EqualTo("bob"));
        Assert.That(messages[1].GetProperty("text").GetString(), Is.EqualTo("second"));
        Assert.That(doc.RootElement.GetProperty("has_more").GetBoolean(), Is.True);
    }

    [Test]
    public void BeginDmHistory_DmObjectsWithoutType()
    {
        using JsonDocument doc = Parse(o =>
        {
            ServerMessageWriter.HistoryBuilder history = ServerMessageWriter.BeginDmHistory(o, "u2"u8);
            history.AddDm(5, "alice"u8, "u1"u8, "u2"u8, "hi"u8, 1000);
            history.AddDm(6, "bob"u8, "u2"u8, "u1"u8, "yo"u8, 2000);
            history.End(hasMore: false, default);
        });
        AssertFields(doc, "type", "dm", "messages", "has_more");
        AssertString(doc, "dm", "u2");
        JsonElement messages = doc.RootElement.GetProperty("messages");
        Assert.That(messages[1].EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "id", "from", "from_id", "to", "text", "timestamp" }));
        Assert.That(messages[1].GetProperty("to").GetString(), Is.EqualTo("u1"));
        Assert.That(doc.RootElement.GetProperty("has_more").GetBoolean(), Is.False);
    }

    [Test]
    public void WriteDmAck_NamesTheRecipient()
    {
        using JsonDocument doc = Parse(o => ServerMessageWriter.WriteDmAck(o, "d1"u8, 9, "u2"u8));
        AssertFields(doc, "type", "ref", "id", "to");
        AssertString(doc, "to", "u2");
    }

    [Test]
    public void WriteAck_OfATokenRefresh_HasOnlyTheRef()
    {
        Assert.That(Write(o => ServerMessageWriter.WriteAck(o, "a1"u8)), Is.EqualTo("""{"type":"ack","ref":"a1"}"""));
    }

    [Test]
    public void WriteAck_OfATokenRefreshWithExpiry_HasRefThenExpiresAt()
    {
        Assert.That(Write(o => ServerMessageWriter.WriteAck(o, "a1"u8, 1764090600000)), Is.EqualTo("""{"type":"ack","ref":"a1","expires_at":1764090600000}"""));
    }

    [Test]
    public void HistoryBuilder_AddRaw_CopiesPreEncodedItemsBetweenWrittenOnes()
    {
        using JsonDocument doc = Parse(o =>
        {
            ServerMessageWriter.HistoryBuilder history = ServerMessageWriter.BeginRoomHistory(o, "general"u8);
            history.AddRaw("""{"room":"general","id":1,"from":"a","from_id":"u1","text":"raw \"one\"","timestamp":1}"""u8);
            history.AddMessage(2, "b"u8, "u2"u8, "two"u8, 2);
            history.AddRaw("""{"room":"general","id":3,"from":"c","from_id":"u3","text":"three","timestamp":3}"""u8);
            history.End(hasMore: false, default);
        });
        JsonElement messages = doc.RootElement.GetProperty("messages");
        Assert.That(messages.EnumerateArray().Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(messages[0].GetProperty("text").GetString(), Is.EqualTo("raw \"one\""));
        Assert.That(messages[2].GetProperty("from").GetString(), Is.EqualTo("c"));
    }

    [Test]
    public void WriteError_AllFields_InTableOrder()
    {
        using JsonDocument doc = Parse(o => ServerMessageWriter.WriteError(o, ErrorCode.RateLimited, "slow down", "m5"u8, 250));
        AssertFields(doc, "type", "code", "message", "ref", "retry_after_ms");
        AssertString(doc, "type", "error");
        AssertString(doc, "code", "rate_limited");
        AssertString(doc, "message", "slow down");
        AssertString(doc, "ref", "m5");
        Assert.That(doc.RootElement.GetProperty("retry_after_ms").GetInt32(), Is.EqualTo(250));
    }

    [Test]
    public void WriteError_WithoutRefOrRetry_OmitsThem()
    {
        Assert.That(Write(o => ServerMessageWriter.WriteError(o, ErrorCode.Internal, "oops", default)),
            Is.EqualTo("""{"type":"error","code":"internal","message":"oops"}"""));
    }

    [Test]
    public void WriteError_EveryCode_HasItsSection4Name()
    {
        string[] expected = ["bad_request", "unauthenticated", "forbidden", "not_member", "room_not_found", "user_not_found",
            "rate_limited", "too_large", "too_many_rooms", "server_busy", "internal"];
        Assert.That(ErrorCodes.All.Length, Is.EqualTo(expected.Length));
        for (int i = 0; i < expected.Length; i++)
        {
            ErrorCode code = ErrorCodes.All[i];
            Assert.That(Encoding.UTF8.GetString(ErrorCodes.Utf8Name(code)), Is.EqualTo(expected[i]));
            using JsonDocument doc = Parse(o => ServerMessageWriter.WriteError(o, code, "m", default));
            AssertString(doc, "code", expected[i]);
        }
    }

    [Test]
    public void WriteError_NoneCode_Throws()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentOutOfRangeException>(() => ServerMessageWriter.WriteError(output, ErrorCode.None, "m", default));
        Assert.That(output.WrittenCount, Is.Zero);
    }

    [Test]
    public void WriteError_FromAReaderRefusal_CarriesItsCodeAndMessage()
    {
        ClientMessageReader.TryRead("""{"type":"join","ref":"j"}"""u8, out _, out ProtocolError error);
        using JsonDocument doc = Parse(o => ServerMessageWriter.WriteError(o, in error, "j"u8));
        AssertString(doc, "code", "bad_request");
        AssertString(doc, "message", "missing field 'room'");
        AssertString(doc, "ref", "j");
    }

    [Test]
    public void WritePong_WithAndWithoutRef()
    {
        Assert.That(Write(o => ServerMessageWriter.WritePong(o, default)), Is.EqualTo("""{"type":"pong"}"""));
        Assert.That(Write(o => ServerMessageWriter.WritePong(o, "p"u8)), Is.EqualTo("""{"type":"pong","ref":"p"}"""));
    }

    [Test]
    public void WriteMessage_IntoASharedFrame_YieldsOneTextFrameWithTheJson()
    {
        SharedFrame frame = SharedFrame.Rent();
        try
        {
            ServerMessageWriter.WriteMessage(frame, "general"u8, 1, "alice"u8, "u1"u8, "hi"u8, 5);
            frame.Seal();
            ReadOnlySpan<byte> bytes = frame.Bytes.Span;
            Assert.That(bytes[0], Is.EqualTo(0x81), "FIN + text");
            Assert.That(bytes[1], Is.EqualTo(frame.PayloadLength));
            Assert.That(Encoding.UTF8.GetString(bytes[2..]), Is.EqualTo("""{"type":"message","room":"general","id":1,"from":"alice","from_id":"u1","text":"hi","timestamp":5}"""));
        }
        finally
        {
            frame.Release();
        }
    }

    [Test]
    public void WriteMessage_TwoMessagesInARow_DoNotShareState()
    {
        var first = new ArrayBufferWriter<byte>();
        var second = new ArrayBufferWriter<byte>();
        ServerMessageWriter.WriteMessage(first, "a"u8, 1, "x"u8, "x"u8, "one"u8, 1);
        ServerMessageWriter.WriteMessage(second, "b"u8, 2, "y"u8, "y"u8, "two"u8, 2);
        Assert.That(Encoding.UTF8.GetString(first.WrittenSpan), Does.Contain("\"one\"").And.Not.Contain("two"));
        Assert.That(Encoding.UTF8.GetString(second.WrittenSpan), Does.StartWith("{\"type\"").And.Contain("\"two\"").And.Not.Contain("one"));
    }

    internal static string Write(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    internal static JsonDocument Parse(Action<IBufferWriter<byte>> write) => JsonDocument.Parse(Write(write));

    private static void AssertFields(JsonDocument doc, params string[] names) =>
        Assert.That(doc.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(names));

    private static void AssertString(JsonDocument doc, string name, string expected) =>
        Assert.That(doc.RootElement.GetProperty(name).GetString(), Is.EqualTo(expected), name);
}
