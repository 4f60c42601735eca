using System.Text.Json;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Sessions;

/// <summary>PROTOCOL.md §2 and §5 authentication rules on the engine (no sockets, manual clock).</summary>
public class AuthTests : ChatHarnessFixture
{
    [Test]
    public void AuthMessage_ValidToken_WelcomeFirstWithSessionAndHeartbeat()
    {
        var client = Chat.Open();
        client.Send($$"""{"type":"auth","token":"{{Chat.Token("u1", "alice")}}"}""");
        JsonElement welcome = client.Single();
        Assert.That(welcome.GetProperty("type").GetString(), Is.EqualTo("welcome"));
        Assert.That(welcome.GetProperty("user_id").GetString(), Is.EqualTo("u1"));
        Assert.That(welcome.GetProperty("username").GetString(), Is.EqualTo("alice"));
        Assert.That(welcome.GetProperty("session").GetString(), Is.EqualTo("c" + client.Connection.Id));
        Assert.That(welcome.GetProperty("heartbeat_ms").GetInt32(), Is.EqualTo(30_000));
        Assert.That(client.Connection.CloseCode, Is.Null);
    }

    [Test]
    public void AuthMessage_TokenWithoutName_UsernameIsSub()
    {
        var client = Chat.Open();
        client.Send($$"""{"type":"auth","token":"{{Chat.Token("u9")}}"}""");
        Assert.That(client.Single().GetProperty("username").GetString(), Is.EqualTo("u9"));
    }

    [TestCase("not-a-jwt")]
    [TestCase("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSIsImV4cCI6OTk5OTk5OTk5OX0.")]
    public void AuthMessage_BadToken_ErrorUnauthenticatedThenClose1008(string token)
    {
        var client = Chat.Open();
        client.Send($$"""{"type":"auth","token":"{{token}}","ref":"a"}""");
        JsonElement error = client.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("unauthenticated"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("a"));
        Assert.That(client.Connection.CloseCode, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
    }

    [Test]
    public void AuthMessage_WrongSecret_Refused()
    {
        var client = Chat.Open();
        string forged = TestTokens.Mint("u1", secret: "another-secret-of-at-least-32-bytes-long!!");
        client.Send($$"""{"type":"auth","token":"{{forged}}"}""");
        Assert.That(client.Single().GetProperty("code").GetString(), Is.EqualTo("unauthenticated"));
        Assert.That(client.Connection.CloseCode, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
    }

    [TestCase("""{"type":"join","room":"r","ref":"j"}""")]
    [TestCase("""{"type":"ping"}""")]
    [TestCase("""{"type":"message","room":"r","text":"hi"}""")]
    public void BeforeAuth_OtherMessage_ErrorUnauthenticated_StaysOpen(string json)
    {
        var client = Chat.Open();
        client.Send(json);
        Assert.That(client.Single().GetProperty("code").GetString(), Is.EqualTo("unauthenticated"));
        Assert.That(client.Connection.CloseCode, Is.Null);
        client.Send($$"""{"type":"auth","token":"{{Chat.Token("u1")}}"}""");
        Assert.That(client.Single().GetProperty("type").GetString(), Is.EqualTo("welcome"));
    }

    [Test]
    public void AuthTimeout_NoAuth_Close1008AtTheDeadlineNotBefore()
    {
        var client = Chat.Open();
        Chat.AdvanceTime(TimeSpan.FromSeconds(9.8));
        Assert.That(client.Connection.CloseCode, Is.Null);
        Chat.AdvanceTime(TimeSpan.FromSeconds(0.3));
        Assert.That(client.Connection.CloseCode, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
        Assert.That(client.Connection.CloseReason, Is.EqualTo("authentication timeout"));
    }

    [Test]
    public void AuthTimeout_AuthenticatedInTime_NotClosed()
    {
        var client = Chat.Open();
        client.Send($$"""{"type":"auth","token":"{{Chat.Token("u1")}}"}""");
        Chat.AdvanceTime(TimeSpan.FromSeconds(11));
        Assert.That(client.Connection.CloseCode, Is.Null);
    }

    [Test]
    public void TokenExpiry_ClosesWith1008AtExpPlusSkew()
    {
        var client = Chat.Open();
        client.Send($$"""{"type":"auth","token":"{{Chat.Token("u1", lifetime: TimeSpan.FromMinutes(5))}}"}""");
        client.Take();
        Chat.AdvanceTime(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(28));
        Assert.That(client.Connection.CloseCode, Is.Null, "within the clock skew");
        Chat.AdvanceTime(TimeSpan.FromSeconds(3));
        Assert.That(client.Connection.CloseCode, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
        Assert.That(client.Connection.CloseReason, Is.EqualTo("token expired"));
    }

    [Test]
    public void Refresh_SameSub_AckWithRefAndExpiryMoves()
    {
        var client = Chat.Open();
        client.Send($$"""{"type":"auth","token":"{{Chat.Token("u1", lifetime: TimeSpan.FromMinutes(5))}}"}""");
        client.Take();
        string fresh = Chat.Token("u1", lifetime: TimeSpan.FromMinutes(10));
        long freshExp = (Chat.Time.GetUtcNow() + TimeSpan.FromMinutes(10)).ToUnixTimeSeconds() * 1000;
        client.Send($$"""{"type":"auth","token":"{{fresh}}","ref":"r1"}""");
        JsonElement ack = client.Single();
        Assert.That(ack.GetProperty("type").GetString(), Is.EqualTo("ack"));
        Assert.That(ack.GetProperty("ref").GetString(), Is.EqualTo("r1"));
        Assert.That(ack.GetProperty("expires_at").GetInt64(), Is.EqualTo(freshExp));
        Chat.AdvanceTime(TimeSpan.FromMinutes(6));
        Assert.That(client.Connection.CloseCode, Is.Null, "the old expiry no longer applies");
        Chat.AdvanceTime(TimeSpan.FromMinutes(5));
        Assert.That(client.Connection.CloseReason, Is.EqualTo("token expired"));
    }

    [Test]
    public void Refresh_WithoutRef_NoAck()
    {
        var client = Chat.Connect("u1");
        client.Send($$"""{"type":"auth","token":"{{Chat.Token("u1")}}"}""");
        Assert.That(client.Take(), Is.Empty);
    }

    [Test]
    public void Refresh_DifferentSub_Forbidden_IdentityUnchanged()
    {
        var client = Chat.Open();
        client.Send($$"""{"type":"auth","token":"{{Chat.Token("u1", "alice")}}"}""");
        client.Take();
        client.Send($$"""{"type":"auth","token":"{{Chat.Token("u2", "mallory")}}","ref":"x"}""");
        JsonElement error = client.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("forbidden"));
        Assert.That(error.GetProperty("ref").GetString(), Is.EqualTo("x"));
        Assert.That(client.Connection.CloseCode, Is.Null);
        client.Join("r");
        Assert.That(client.Single().GetProperty("users")[0].GetProperty("user_id").GetString(), Is.EqualTo("u1"));
    }

    [Test]
    public void Refresh_InvalidToken_Unauthenticated_OldExpiryStands()
    {
        var client = Chat.Open();
        client.Send($$"""{"type":"auth","token":"{{Chat.Token("u1", lifetime: TimeSpan.FromMinutes(5))}}"}""");
        client.Take();
        client.Send("""{"type":"auth","token":"garbage","ref":"g"}""");
        JsonElement error = client.Single();
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("unauthenticated"));
        Assert.That(client.Connection.CloseCode, Is.Null, "a failed refresh does not close");
        Chat.AdvanceTime(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(31));
        Assert.That(client.Connection.CloseReason, Is.EqualTo("token expired"));
    }

    [Test]
    public void ConnectionsPerUser_TenAccepted_EleventhClosed1008WithoutWelcome()
    {
        var clients = Enumerable.Range(0, 10).Select(_ => Chat.Connect("u1")).ToList();
        Assert.That(clients.All(c => c.Connection.CloseCode is null), Is.True);
        var eleventh = Chat.Connect("u1");
        Assert.That(eleventh.Connection.CloseCode, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
        Assert.That(eleventh.Connection.CloseReason, Is.EqualTo("too many connections"));
        Assert.That(eleventh.Connection.Received, Is.Empty, "no welcome for a refused connection");
        Assert.That(clients.All(c => c.Connection.CloseCode is null), Is.True, "the others are untouched");
        clients[0].Disconnect();
        Assert.That(Chat.Connect("u1").Connection.CloseCode, Is.Null, "a slot freed by a close is usable again");
    }

    [Test]
    public void Closed_ForgetsTheUserAndItsDeadline()
    {
        var client = Chat.Connect("u1");
        Assert.That(Chat.Engine.Users.Find("u1"), Is.Not.Null);
        client.Disconnect();
        Assert.That(Chat.Engine.Users.Find("u1"), Is.Null);
        Assert.That(Chat.Engine.Timers.Count, Is.Zero, "no deadline left behind");
    }
}
