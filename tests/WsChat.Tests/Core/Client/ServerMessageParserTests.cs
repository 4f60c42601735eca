using System.Buffers;
using System.Text;
using WsChat.Core.Client;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Client;

/// <summary>
/// The client's reader of server messages, fed by the server's own writer (so the two cannot drift apart), then
/// with malformed, truncated and hostile input: refused (false), never thrown.
/// </summary>
public class ServerMessageParserTests
{
    [Test]
    public void TryParse_Welcome_ReadsIdentityAndHeartbeat()
    {
        ServerMessage m = Parse(o => ServerMessageWriter.WriteWelcome(o, "u1"u8, "alice"u8, "c7"u8, 30000));
        Assert.Multiple(() =>
        {
            Assert.That(m.Kind, Is.EqualTo(ServerMessageKind.Welcome));
            Assert.That((m.UserId, m.Username, m.Session, m.HeartbeatMs), Is.EqualTo(("u1", "alice", "c7", (int?)30000)));
        });
    }

    [Test]
    public void TryParse_Joined_ReadsMembersLastIdRecoveredAndRef()
    {
        ServerMessage m = Parse(o =>
        {
            ServerMessageWriter.JoinedBuilder joined = ServerMessageWriter.BeginJoined(o, "general"u8);
            joined.AddUser("u1"u8, "alice"u8);
            joined.AddUser("u2"u8, "bob"u8);
            joined.End(41, recovered: true, "r1"u8);
        });
        Assert.Multiple(() =>
        {
            Assert.That(m.Kind, Is.EqualTo(ServerMessageKind.Joined));
            Assert.That((m.Room, m.LastId, m.Recovered, m.Ref), Is.EqualTo(("general", (long?)41, (bool?)true, "r1")));
            Assert.That(m.Users, Is.EqualTo(new[] { new ChatMember("u1", "alice"), new ChatMember("u2", "bob") }));
        });
    }

    [Test]
    public void TryParse_Message_ReadsEveryField()
    {
        ServerMessage m = Parse(o => ServerMessageWriter.WriteMessage(o, "general"u8, 42, "alice"u8, "u1"u8, "Hello!"u8, 1764087000000));
        Assert.Multiple(() =>
        {
            Assert.That(m.Kind, Is.EqualTo(ServerMessageKind.Message));
            Assert.That((m.Room, m.Id, m.From, m.FromId, m.Text, m.Timestamp), Is.EqualTo(("general", (long?)42, "alice", "u1", "Hello!", (long?)1764087000000)));
        });
    }

    [Test]
    public void TryParse_MessageWithEscapesAndAstralText_DecodesByteExact()
    {
        string text = "a \"quoted\" \\ line\nbreak\u0000 <b>&amp;</b> é 😀 \u2028";
        ServerMessage m = Parse(o => ServerMessageWriter.WriteMessage(o, "r"u8, 1, "a"u8, "a"u8, Encoding.UTF8.GetBytes(text), 0));
        Assert.That(m.Text, Is.EqualTo(text));
    }

    [Test]
    public void TryParse_Dm_ReadsEveryField()
    {
        ServerMessage m = Parse(o => ServerMessageWriter.WriteDm(o, 7, "alice"u8, "u1"u8, "u2"u8, "psst"u8, 5));
        Assert.That((m.Kind, m.Id, m.From, m.FromId, m.To, m.Text, m.Timestamp), Is.EqualTo((ServerMessageKind.Dm, (long?)7, "alice", "u1", "u2", "psst", (long?)5)));
    }

    [Test]
    public void TryParse_PresenceAndTyping_ReadStatusOfEitherType()
    {
        ServerMessage presence = Parse(o => ServerMessageWriter.WritePresence(o, "r"u8, "bob"u8, "u2"u8, online: false));
        Assert.That((presence.Kind, presence.Room, presence.User, presence.UserId, presence.StatusText), Is.EqualTo((ServerMessageKind.Presence, "r", "bob", "u2", "offline")));
        ServerMessage typing = Parse(o => ServerMessageWriter.WriteTyping(o, "r"u8, "bob"u8, "u2"u8, status: true));
        Assert.That((typing.Kind, typing.StatusBool), Is.EqualTo((ServerMessageKind.Typing, (bool?)true)));
    }

    [Test]
    public void TryParse_Users_ReadsTheList()
    {
        ServerMessage m = Parse(o =>
        {
            ServerMessageWriter.UsersBuilder users = ServerMessageWriter.BeginUsers(o, "r"u8);
            users.AddUser("u1"u8, "alice"u8);
            users.End("q"u8);
        });
        Assert.That((m.Kind, m.Room, m.Ref, m.Users!.Single()), Is.EqualTo((ServerMessageKind.Users, "r", "q", new ChatMember("u1", "alice"))));
    }

    [Test]
    public void TryParse_RoomHistory_ReadsMessagesOldestFirstAndHasMore()
    {
        ServerMessage m = Parse(o =>
        {
            ServerMessageWriter.HistoryBuilder history = ServerMessageWriter.BeginRoomHistory(o, "r"u8);
            history.AddMessage(3, "alice"u8, "u1"u8, "one"u8, 1000);
            history.AddMessage(5, "bob"u8, "u2"u8, "two"u8, 2000);
            history.End(hasMore: true, "h"u8);
        });
        Assert.Multiple(() =>
        {
            Assert.That((m.Kind, m.Room, m.HasMore, m.Ref), Is.EqualTo((ServerMessageKind.History, "r", (bool?)true, "h")));
            Assert.That(m.RoomMessages, Is.EqualTo(new[]
            {
                new ChatMessage("r", 3, "alice", "u1", "one", DateTimeOffset.FromUnixTimeMilliseconds(1000)),
                new ChatMessage("r", 5, "bob", "u2", "two", DateTimeOffset.FromUnixTimeMilliseconds(2000)),
            }));
            Assert.That(m.DirectMessages, Is.Empty);
        });
    }

    [Test]
    public void TryParse_DmHistory_ReadsDirectMessages()
    {
        ServerMessage m = Parse(o =>
        {
            ServerMessageWriter.HistoryBuilder history = ServerMessageWriter.BeginDmHistory(o, "u2"u8);
            history.AddDm(9, "alice"u8, "u1"u8, "u2"u8, "hi"u8, 1);
            history.End(hasMore: false, default);
        });
        Assert.Multiple(() =>
        {
            Assert.That((m.Kind, m.Dm, m.HasMore, m.Ref), Is.EqualTo((ServerMessageKind.History, "u2", (bool?)false, (string?)null)));
            Assert.That(m.DirectMessages, Is.EqualTo(new[] { new ChatDirectMessage(9, "alice", "u1", "u2", "hi", DateTimeOffset.FromUnixTimeMilliseconds(1)) }));
        });
    }

    [Test]
    public void TryParse_Acks_OfMessageDmAndRefresh()
    {
        ServerMessage room = Parse(o => ServerMessageWriter.WriteAck(o, "2"u8, 42, "general"u8));
        Assert.That((room.Kind, room.Ref, room.Id, room.Room), Is.EqualTo((ServerMessageKind.Ack, "2", (long?)42, "general")));
        ServerMessage dm = Parse(o => ServerMessageWriter.WriteDmAck(o, "3"u8, 8, "u2"u8));
        Assert.That((dm.Ref, dm.Id, dm.To), Is.EqualTo(("3", (long?)8, "u2")));
        ServerMessage refresh = Parse(o => ServerMessageWriter.WriteAck(o, "4"u8, 1_800_000_000_000));
        Assert.That((refresh.Ref, refresh.Id, refresh.ExpiresAt), Is.EqualTo(("4", (long?)null, (long?)1_800_000_000_000)));
    }

    [Test]
    public void TryParse_ErrorAndPong_ReadCodeRetryAfterAndRef()
    {
        ServerMessage error = Parse(o => ServerMessageWriter.WriteError(o, ErrorCode.RateLimited, "slow down", "5"u8, 250));
        Assert.That((error.Kind, error.Code, error.ErrorMessage, error.Ref, error.RetryAfterMs), Is.EqualTo((ServerMessageKind.Error, "rate_limited", "slow down", "5", (int?)250)));
        ServerMessage pong = Parse(o => ServerMessageWriter.WritePong(o, "p"u8));
        Assert.That((pong.Kind, pong.Ref), Is.EqualTo((ServerMessageKind.Pong, "p")));
    }

    [Test]
    public void TryParse_TypeLastUnknownFieldsOfAnyShape_Accepted()
    {
        ServerMessage m = Parse("""{"x":{"deep":[1,{"y":null}]},"ref":"r","zz":[true,"s",1.5e3],"type":"pong"}""");
        Assert.That((m.Kind, m.Ref), Is.EqualTo((ServerMessageKind.Pong, "r")));
    }

    [Test]
    public void TryParse_UnknownType_AcceptedAsUnknown()
    {
        // A newer server's message type: ignored by this client, not an error.
        ServerMessage m = Parse("""{"type":"reaction","room":"r","emoji":"👍"}""");
        Assert.That(m.Kind, Is.EqualTo(ServerMessageKind.Unknown));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("null")]
    [TestCase("[]")]
    [TestCase("\"pong\"")]
    [TestCase("42")]
    [TestCase("{")]
    [TestCase("{\"type\":\"pong\"")]
    [TestCase("{\"type\":\"pong\",}")]
    [TestCase("{'type':'pong'}")]
    [TestCase("{\"type\":\"pong\"}{\"type\":\"pong\"}")]
    [TestCase("{\"type\":\"pong\"} x")]
    [TestCase("{\"type\":\"pong\"/*c*/}")]
    public void TryParse_MalformedOrNotAnObject_Refused(string json) =>
        Assert.That(ServerMessageParser.TryParse(Encoding.UTF8.GetBytes(json), new ServerMessage()), Is.False);

    [TestCase("""{"type":5}""")]
    [TestCase("""{"type":"message","room":"r","id":"42","from":"a","from_id":"a","text":"t","timestamp":1}""")]
    [TestCase("""{"type":"message","room":"r","id":4.2,"from":"a","from_id":"a","text":"t","timestamp":1}""")]
    [TestCase("""{"type":"message","room":"r","id":9223372036854775808,"from":"a","from_id":"a","text":"t","timestamp":1}""")]
    [TestCase("""{"type":"message","room":7,"id":1,"from":"a","from_id":"a","text":"t","timestamp":1}""")]
    [TestCase("""{"type":"typing","room":"r","user_id":"u","status":1}""")]
    [TestCase("""{"type":"joined","room":"r","users":{},"last_id":1}""")]
    [TestCase("""{"type":"joined","room":"r","users":[{"username":"no id"}],"last_id":1}""")]
    [TestCase("""{"type":"joined","room":"r","users":[1],"last_id":1}""")]
    [TestCase("""{"type":"joined","room":"r","users":[],"last_id":1,"recovered":"yes"}""")]
    [TestCase("""{"type":"history","room":"r","messages":[{"room":"r","from":"a","from_id":"a","text":"no id","timestamp":1}]}""")]
    [TestCase("""{"type":"history","room":"r","messages":[{"id":1,"from":"a","from_id":"a","text":"neither room nor to","timestamp":1}]}""")]
    [TestCase("""{"type":"error","code":"internal","message":"m","retry_after_ms":99999999999}""")]
    public void TryParse_FieldOfTheWrongType_Refused(string json) =>
        Assert.That(ServerMessageParser.TryParse(Encoding.UTF8.GetBytes(json), new ServerMessage()), Is.False);

    [TestCase("""{"type":"message","room":"r","from":"a","from_id":"a","text":"t","timestamp":1}""")]
    [TestCase("""{"type":"message","id":1,"from":"a","from_id":"a","text":"t","timestamp":1}""")]
    [TestCase("""{"type":"dm","id":1,"from":"a","from_id":"a","text":"t","timestamp":1}""")]
    [TestCase("""{"type":"joined","room":"r","users":[]}""")]
    [TestCase("""{"type":"welcome","user_id":"u"}""")]
    [TestCase("""{"type":"presence","room":"r","user_id":"u"}""")]
    [TestCase("""{"type":"typing","room":"r","user_id":"u","status":"online"}""")]
    [TestCase("""{"type":"users","room":"r"}""")]
    [TestCase("""{"type":"history","messages":[]}""")]
    [TestCase("""{"type":"error","message":"no code"}""")]
    public void TryParse_KnownTypeWithoutARequiredField_Refused(string json) =>
        Assert.That(ServerMessageParser.TryParse(Encoding.UTF8.GetBytes(json), new ServerMessage()), Is.False);

    [Test]
    public void TryParse_EveryTruncation_RefusedWithoutThrowing()
    {
        byte[] json = Write(o =>
        {
            ServerMessageWriter.JoinedBuilder joined = ServerMessageWriter.BeginJoined(o, "general"u8);
            joined.AddUser("u1"u8, "al\"ice"u8);
            joined.End(41, recovered: false, "1"u8);
        });
        var message = new ServerMessage();
        for (int length = 0; length < json.Length; length++)
        {
            Assert.That(ServerMessageParser.TryParse(json.AsSpan(0, length), message), Is.False, $"prefix of {length} bytes");
        }

        Assert.That(ServerMessageParser.TryParse(json, message), Is.True);
    }

    [Test]
    public void TryParse_NestingPastSixteenLevels_RefusedAtSixteenAccepted()
    {
        // The root object is level 1; an unknown field's arrays add one level each (docs/protocol.md decision 17).
        static string Nested(int arrays) => "{\"type\":\"pong\",\"x\":" + new string('[', arrays) + new string(']', arrays) + "}";
        Assert.Multiple(() =>
        {
            Assert.That(ServerMessageParser.TryParse(Encoding.UTF8.GetBytes(Nested(15)), new ServerMessage()), Is.True);
            Assert.That(ServerMessageParser.TryParse(Encoding.UTF8.GetBytes(Nested(16)), new ServerMessage()), Is.False);
            Assert.That(ServerMessageParser.TryParse(Encoding.UTF8.GetBytes(Nested(100_000)), new ServerMessage()), Is.False);
        });
    }

    [Test]
    public void TryParse_InvalidUtf8OrLoneSurrogateEscape_Refused()
    {
        byte[] badBytes = [.. "{\"type\":\"message\",\"room\":\"r\",\"id\":1,\"from\":\"a\",\"from_id\":\"a\",\"text\":\""u8, 0xC3, 0x28, .. "\",\"timestamp\":1}"u8];
        Assert.Multiple(() =>
        {
            Assert.That(ServerMessageParser.TryParse(badBytes, new ServerMessage()), Is.False);
            Assert.That(ServerMessageParser.TryParse("""{"type":"message","room":"r","id":1,"from":"a","from_id":"a","text":"\ud800","timestamp":1}"""u8, new ServerMessage()), Is.False);
        });
    }

    [Test]
    public void TryParse_ReusedMessage_KeepsNothingOfThePreviousOne()
    {
        var message = new ServerMessage();
        Assert.That(ServerMessageParser.TryParse(Write(o => ServerMessageWriter.WriteError(o, ErrorCode.RateLimited, "m", "5"u8, 9)), message), Is.True);
        Assert.That(ServerMessageParser.TryParse(Write(o => ServerMessageWriter.WritePong(o, default)), message), Is.True);
        Assert.That((message.Kind, message.Ref, message.Code, message.RetryAfterMs), Is.EqualTo((ServerMessageKind.Pong, (string?)null, (string?)null, (int?)null)));
    }

    private static ServerMessage Parse(Action<IBufferWriter<byte>> write) => Parse(Write(write));

    private static ServerMessage Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    private static ServerMessage Parse(byte[] json)
    {
        var message = new ServerMessage();
        Assert.That(ServerMessageParser.TryParse(json, message), Is.True, Encoding.UTF8.GetString(json));
        return message;
    }

    private static byte[] Write(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
