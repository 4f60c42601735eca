using System.Text;
using System.Text.Json;
using WsChat.Core;
using WsChat.Core.Ports;
using WsChat.Core.Sessions;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Sessions;

/// <summary>
/// The engine's side of the cluster-wide limits (issue 8), with the backplane's answers held by the test: a connection
/// waits for its admission before welcome (what it sends meanwhile runs after, in order), a refusal closes it 1008, a
/// failing backplane admits it on the node's own count, and a user on several nodes waits for the shared bucket.
/// </summary>
[CancelAfter(30_000)]
public sealed class ClusterAdmissionTests
{
    private ChatHarness _chat = null!;
    private FakeBackplane _backplane = null!;
    private long _nextId;

    [SetUp]
    public async Task SetUp()
    {
        _chat = new ChatHarness(new ChatServerOptions { JwtSecret = TestTokens.Secret, ShardCount = 2, MaxConnectionsPerUser = 2 });
        _chat.Engine.AttachStorage(new InMemoryMessageStore());
        _backplane = new FakeBackplane();
        await _chat.Engine.AttachBackplaneAsync(_backplane, null, CancellationToken.None);
    }

    [TearDown]
    public async Task TearDown()
    {
        _chat.Dispose();
        await _backplane.DisposeAsync();
    }

    [Test]
    public void Admission_Pending_NoWelcomeYet_MessagesSentMeanwhileRunAfterWelcomeInOrder()
    {
        (FakeChatConnection connection, ChatSession session) = Open("u1");
        Receive(session, """{"type":"ping","ref":"p1"}""");
        Receive(session, """{"type":"join","room":"r","ref":"j"}""");
        Receive(session, """{"type":"ping","ref":"p2"}""");
        _chat.Engine.RunShards();
        Assert.That(connection.Received, Is.Empty, "nothing before the admission");

        Answer(0).SetResult(new ConnectionAdmission(true, 0));
        _chat.RunShardsUntil(() => connection.OfType("joined").Count == 1);
        List<string> seen = [.. connection.Received.Select(m => Describe(m))];
        Assert.That(seen[0], Is.EqualTo("welcome"));
        Assert.That(seen.Where(s => s != "welcome"), Is.EquivalentTo(new[] { "pong p1", "joined j", "pong p2" }));
        Assert.That(seen.IndexOf("pong p1"), Is.LessThan(seen.IndexOf("pong p2")));
        Assert.That(session.Hold, Is.Null, "the hold is gone once released");
    }

    [Test]
    public void Admission_Refused_Closed1008WithoutWelcome_HeldMessagesDropped_CountWrittenBack()
    {
        (FakeChatConnection connection, ChatSession session) = Open("u1");
        Receive(session, """{"type":"join","room":"r","ref":"j"}""");
        Answer(0).SetResult(new ConnectionAdmission(false, 2));
        _chat.RunShardsUntil(() => connection.CloseCode is not null);
        _chat.Engine.RunShards();
        Assert.That((connection.CloseCode, connection.CloseReason), Is.EqualTo(((WebSocketCloseCode?)WebSocketCloseCode.PolicyViolation, "too many connections")));
        Assert.That(connection.Received, Is.Empty, "no welcome, no joined");
        Assert.That(_chat.Engine.Users.Find("u1"), Is.Null);
        lock (_backplane.Counts) Assert.That(_backplane.Counts, Has.Member(new KeyValuePair<string, int>("u1", 0)));
    }

    [Test]
    public void Admission_LocalLimitReached_RefusedWithoutAskingTheBackplane()
    {
        for (int i = 0; i < 2; i++)
        {
            (FakeChatConnection admitted, _) = Open("u1");
            Answer(i).SetResult(new ConnectionAdmission(true, 0));
            _chat.RunShardsUntil(() => admitted.OfType("welcome").Count == 1);
        }

        (FakeChatConnection third, _) = Open("u1");
        Assert.That(third.CloseCode, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
        lock (_backplane.Admissions) Assert.That(_backplane.Admissions, Has.Count.EqualTo(2));
    }

    [Test]
    public void Admission_BackplaneFails_AdmittedOnTheNodesOwnCount()
    {
        (FakeChatConnection connection, _) = Open("u1");
        Answer(0).SetException(new InvalidOperationException("redis down"));
        _chat.RunShardsUntil(() => connection.OfType("welcome").Count == 1);
        Assert.That(_chat.Engine.BackplaneMetrics.LocalAdmissions, Is.EqualTo(1));
    }

    [Test]
    public void UserRate_OnSeveralNodes_MessageWaitsForTheSharedBucket_RefusalKeepsTheConnectionsOrder()
    {
        _backplane.Elsewhere.Add(new("other-node", 1));              // one more connection on another node
        (FakeChatConnection connection, ChatSession session) = Open("u1");
        Answer(0).SetResult(new ConnectionAdmission(true, 1));
        _chat.RunShardsUntil(() => connection.OfType("welcome").Count == 1);
        Receive(session, """{"type":"join","room":"r","ref":"j"}""");
        _chat.RunShardsUntil(() => connection.OfType("joined").Count == 1 && session.User!.OnSeveralNodes);

        Receive(session, """{"type":"message","room":"r","text":"hi","ref":"m1"}""");
        Receive(session, """{"type":"list_users","room":"r","ref":"l1"}""");
        _chat.Engine.RunShards();
        Assert.That(connection.Received.Select(m => Describe(m)), Is.EqualTo(new[] { "welcome", "joined j" }), "both wait for the token");

        Token(0).SetResult(250);
        _chat.RunShardsUntil(() => connection.OfType("users").Count == 1);
        JsonElement refused = connection.OfType("error").Single();
        Assert.That((refused.GetProperty("code").GetString(), refused.GetProperty("retry_after_ms").GetInt32()), Is.EqualTo(("rate_limited", 250)));
        Assert.That(connection.Received.Select(m => Describe(m)).Skip(2), Is.EqualTo(new[] { "error m1", "users l1" }));

        // A token: the message goes out (stored, then sent) and the list after it.
        Receive(session, """{"type":"message","room":"r","text":"again","ref":"m2"}""");
        Receive(session, """{"type":"list_users","room":"r","ref":"l2"}""");
        Token(1).SetResult(0);
        _chat.RunShardsUntil(() => connection.OfType("ack").Count == 1 && connection.OfType("users").Count == 2);
        Assert.That(connection.OfType("message").Single().GetProperty("text").GetString(), Is.EqualTo("again"));
    }

    [Test]
    public void UserRate_OnSeveralNodes_CommandsPastTheHoldBound_RefusedServerBusy_NoneOvertakes()
    {
        _backplane.Elsewhere.Add(new("other-node", 1));
        (FakeChatConnection connection, ChatSession session) = Open("u1");
        Answer(0).SetResult(new ConnectionAdmission(true, 1));
        _chat.RunShardsUntil(() => connection.OfType("welcome").Count == 1 && session.User!.OnSeveralNodes);
        Receive(session, """{"type":"typing","room":"r","status":true,"ref":"t"}""");       // waits for a token
        for (int i = 0; i < ReadHold.MaxHeldMessages; i++) Receive(session, $$"""{"type":"ping","ref":"p{{i}}"}""");
        Assert.That(connection.Received, Has.Count.EqualTo(1), "the held pings wait");
        Receive(session, """{"type":"ping","ref":"over"}""");
        JsonElement busy = connection.Received[^1];
        Assert.That((Describe(busy), busy.GetProperty("code").GetString()), Is.EqualTo(("error over", "server_busy")));

        Token(0).SetResult(0);
        _chat.RunShardsUntil(() => connection.OfType("pong").Count == ReadHold.MaxHeldMessages);
        Assert.That(connection.OfType("pong").Select(m => m.GetProperty("ref").GetString()),
            Is.EqualTo(Enumerable.Range(0, ReadHold.MaxHeldMessages).Select(i => "p" + i)));
    }

    private (FakeChatConnection Connection, ChatSession Session) Open(string user)
    {
        var connection = new FakeChatConnection(++_nextId);
        ChatSession session = _chat.Engine.Open(connection, new TokenIdentity(user, user, _chat.Time.NowMs + 3_600_000));
        return (connection, session);
    }

    private void Receive(ChatSession session, string json) => _chat.Engine.Receive(session, Encoding.UTF8.GetBytes(json));

    private TaskCompletionSource<ConnectionAdmission> Answer(int index)
    {
        lock (_backplane.Admissions) return _backplane.Admissions[index];
    }

    private TaskCompletionSource<int> Token(int index)
    {
        _chat.RunShardsUntil(() => { lock (_backplane.Tokens) return _backplane.Tokens.Count > index; });
        lock (_backplane.Tokens) return _backplane.Tokens[index];
    }

    private static string Describe(JsonElement m) =>
        m.GetProperty("type").GetString() + (m.TryGetProperty("ref", out JsonElement r) ? " " + r.GetString() : "");
}
