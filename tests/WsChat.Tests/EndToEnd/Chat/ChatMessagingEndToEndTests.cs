using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Chat;

/// <summary>PROTOCOL.md §3-§4 over real loopback sockets with several ClientWebSocket clients at once.</summary>
[CancelAfter(30_000)]
public class ChatMessagingEndToEndTests
{
    private ChatTestServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await ChatTestServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task JoinMessageAck_PresenceAndOneOrderForEveryMember(CancellationToken ct)
    {
        string room = Room();
        await using ChatTestClient alice = await _server.ConnectAsync("e-alice", "alice", ct);
        await using ChatTestClient bob = await _server.ConnectAsync("e-bob", "bob", ct);
        await using ChatTestClient carol = await _server.ConnectAsync("e-carol", "carol", ct);

        await alice.SendAsync(new { type = "join", room, @ref = "j1" }, ct);
        JsonElement joined = await alice.ExpectAsync("joined", ct);
        Assert.That(joined.GetProperty("ref").GetString(), Is.EqualTo("j1"));
        Assert.That(joined.GetProperty("last_id").GetInt64(), Is.Zero);
        await bob.SendAsync(new { type = "join", room }, ct);
        Assert.That((await bob.ExpectAsync("joined", ct)).GetProperty("users").GetArrayLength(), Is.EqualTo(2));
        JsonElement presence = await alice.ExpectAsync("presence", ct);
        Assert.That(presence.GetProperty("user").GetString(), Is.EqualTo("bob"));
        Assert.That(presence.GetProperty("status").GetString(), Is.EqualTo("online"));
        await carol.SendAsync(new { type = "join", room }, ct);
        await carol.ExpectAsync("joined", ct);
        await alice.ExpectAsync("presence", ct);
        await bob.ExpectAsync("presence", ct);

        // Three senders at once: every member must see the same ids in the same order.
        Task[] sends =
        [
            SendMany(alice, room, "a", 20, ct),
            SendMany(bob, room, "b", 20, ct),
            SendMany(carol, room, "c", 20, ct),
        ];
        await Task.WhenAll(sends);
        var views = new List<List<(long Id, string Text)>>();
        foreach (ChatTestClient member in new[] { alice, bob, carol })
        {
            List<JsonElement> got = await member.CollectAsync("message", 60, ct);
            got.AddRange(await member.DrainAsync("done", ct, room));
            List<JsonElement> messages = got.Where(m => m.GetProperty("type").GetString() == "message").ToList();
            Assert.That(got.Count(m => m.GetProperty("type").GetString() == "ack"), Is.EqualTo(20), "one ack per message with a ref");
            views.Add(messages.Select(m => (m.GetProperty("id").GetInt64(), m.GetProperty("text").GetString()!)).ToList());
        }

        Assert.That(views[0].Select(v => v.Id), Is.EqualTo(Enumerable.Range(1, 60).Select(i => (long)i)));
        Assert.That(views[1], Is.EqualTo(views[0]));
        Assert.That(views[2], Is.EqualTo(views[0]));
    }

    [Test]
    public async Task AckComesAfterTheSendersOwnCopyAndCarriesRoomAndId(CancellationToken ct)
    {
        string room = Room();
        await using ChatTestClient alice = await _server.ConnectAsync("e-ack", "ack", ct);
        await alice.SendAsync(new { type = "join", room }, ct);
        await alice.ExpectAsync("joined", ct);
        await alice.SendAsync(new { type = "message", room, text = "Hello!", @ref = "2" }, ct);
        JsonElement message = await alice.ExpectAsync("message", ct);
        JsonElement ack = await alice.ExpectAsync("ack", ct);
        Assert.That(ack.GetProperty("ref").GetString(), Is.EqualTo("2"));
        Assert.That(ack.GetProperty("id").GetInt64(), Is.EqualTo(message.GetProperty("id").GetInt64()));
        Assert.That(ack.GetProperty("room").GetString(), Is.EqualTo(room));
        Assert.That(message.GetProperty("timestamp").GetInt64(), Is.InRange(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
    }

    [Test]
    public async Task Typing_ReachesOthers_NotEchoed(CancellationToken ct)
    {
        string room = Room();
        await using ChatTestClient alice = await _server.ConnectAsync("t-alice", "alice", ct);
        await using ChatTestClient bob = await _server.ConnectAsync("t-bob", "bob", ct);
        await alice.SendAsync(new { type = "join", room }, ct);
        await alice.ExpectAsync("joined", ct);
        await bob.SendAsync(new { type = "join", room }, ct);
        await bob.ExpectAsync("joined", ct);
        await alice.ExpectAsync("presence", ct);
        await alice.SendAsync(new { type = "typing", room, status = true }, ct);
        JsonElement typing = await bob.ExpectAsync("typing", ct);
        Assert.That(typing.GetProperty("user_id").GetString(), Is.EqualTo("t-alice"));
        Assert.That(typing.GetProperty("status").GetBoolean(), Is.True);
        Assert.That(await alice.DrainAsync("x", ct, room), Is.Empty, "typing is not echoed");
    }

    [Test]
    public async Task LeaveAndDisconnect_PresenceOffline_ListUsers(CancellationToken ct)
    {
        string room = Room();
        await using ChatTestClient alice = await _server.ConnectAsync("l-alice", "alice", ct);
        ChatTestClient bob = await _server.ConnectAsync("l-bob", "bob", ct);
        await using ChatTestClient carol = await _server.ConnectAsync("l-carol", "carol", ct);
        foreach (ChatTestClient c in new[] { alice, bob, carol })
        {
            await c.SendAsync(new { type = "join", room }, ct);
            await c.ExpectAsync("joined", ct);
        }

        await alice.DrainAsync("settle", ct, room);
        await carol.SendAsync(new { type = "leave", room, @ref = "bye" }, ct);
        Assert.That((await carol.ExpectAsync("left", ct)).GetProperty("ref").GetString(), Is.EqualTo("bye"));
        JsonElement offline = await alice.ExpectAsync("presence", ct);
        Assert.That((offline.GetProperty("user_id").GetString(), offline.GetProperty("status").GetString()), Is.EqualTo(("l-carol", "offline")));
        await bob.CloseAsync(ct);
        await bob.DisposeAsync();
        offline = await alice.ExpectAsync("presence", ct);
        Assert.That((offline.GetProperty("user_id").GetString(), offline.GetProperty("status").GetString()), Is.EqualTo(("l-bob", "offline")));
        await alice.SendAsync(new { type = "list_users", room, @ref = "who" }, ct);
        JsonElement users = await alice.ExpectAsync("users", ct);
        Assert.That(users.GetProperty("ref").GetString(), Is.EqualTo("who"));
        Assert.That(users.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user_id").GetString()), Is.EqualTo(new[] { "l-alice" }));
    }

    [Test]
    public async Task Dm_ReachesAllConnectionsOfBothUsers(CancellationToken ct)
    {
        await using ChatTestClient alice = await _server.ConnectAsync("d-alice", "alice", ct);
        await using ChatTestClient bob1 = await _server.ConnectAsync("d-bob", "bob", ct);
        await using ChatTestClient bob2 = await _server.ConnectAsync("d-bob", "bob", ct);
        await using ChatTestClient alice2 = await _server.ConnectAsync("d-alice", "alice", ct);
        await alice.SendAsync(new { type = "dm", to = "d-bob", text = "hi bob", @ref = "dm1" }, ct);
        foreach (ChatTestClient c in new[] { bob1, bob2, alice2, alice })
        {
            JsonElement dm = await c.ExpectAsync("dm", ct);
            Assert.That(dm.GetProperty("text").GetString(), Is.EqualTo("hi bob"));
            Assert.That(dm.GetProperty("from_id").GetString(), Is.EqualTo("d-alice"));
            Assert.That(dm.GetProperty("to").GetString(), Is.EqualTo("d-bob"));
            Assert.That(dm.GetProperty("id").GetInt64(), Is.EqualTo(1));
        }

        JsonElement ack = await alice.ExpectAsync("ack", ct);
        Assert.That((ack.GetProperty("ref").GetString(), ack.GetProperty("id").GetInt64()), Is.EqualTo(("dm1", 1L)));
        await bob1.SendAsync(new { type = "dm", to = "nobody-online", text = "?", @ref = "nf" }, ct);
        JsonElement error = await bob1.ExpectAsync("error", ct);
        Assert.That((error.GetProperty("code").GetString(), error.GetProperty("ref").GetString()), Is.EqualTo(("user_not_found", "nf")));
        await bob1.SendAsync(new { type = "history", dm = "d-alice" }, ct);
        JsonElement history = await bob1.ExpectAsync("history", ct);
        Assert.That(history.GetProperty("dm").GetString(), Is.EqualTo("d-alice"));
        Assert.That(history.GetProperty("messages")[0].GetProperty("text").GetString(), Is.EqualTo("hi bob"));
    }

    [Test]
    public async Task History_Paging_AndJoinSinceReplay(CancellationToken ct)
    {
        string room = Room();
        await using ChatTestClient alice = await _server.ConnectAsync("h-alice", "alice", ct);
        await alice.SendAsync(new { type = "join", room }, ct);
        await alice.ExpectAsync("joined", ct);
        for (int i = 1; i <= 30; i++) await alice.SendAsync(new { type = "message", room, text = "m" + i }, ct);
        await alice.CollectAsync("message", 30, ct);

        await alice.SendAsync(new { type = "history", room, limit = 10, @ref = "p1" }, ct);
        JsonElement page1 = await alice.ExpectAsync("history", ct);
        Assert.That(page1.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()), Is.EqualTo(Enumerable.Range(21, 10).Select(i => (long)i)));
        Assert.That(page1.GetProperty("has_more").GetBoolean(), Is.True);
        await alice.SendAsync(new { type = "history", room, limit = 100, before = 21 }, ct);
        JsonElement page2 = await alice.ExpectAsync("history", ct);
        Assert.That(page2.GetProperty("messages").GetArrayLength(), Is.EqualTo(20));
        Assert.That(page2.GetProperty("has_more").GetBoolean(), Is.False);

        await using ChatTestClient bob = await _server.ConnectAsync("h-bob", "bob", ct);
        await bob.SendAsync(new { type = "join", room, since = 25 }, ct);
        JsonElement joined = await bob.ExpectAsync("joined", ct);
        Assert.That(joined.GetProperty("last_id").GetInt64(), Is.EqualTo(30));
        Assert.That(joined.GetProperty("recovered").GetBoolean(), Is.True);
        for (long id = 26; id <= 30; id++) Assert.That((await bob.ExpectAsync("message", ct)).GetProperty("id").GetInt64(), Is.EqualTo(id));
        await bob.SendAsync(new { type = "join", room, since = 30, @ref = "again" }, ct);
        JsonElement again = await bob.ExpectAsync("joined", ct);
        Assert.That(again.GetProperty("recovered").GetBoolean(), Is.True);
        Assert.That(await bob.DrainAsync("nothing", ct, room), Is.Empty);
        await bob.SendAsync(new { type = "join", room, since = 99 }, ct);
        Assert.That((await bob.ExpectAsync("joined", ct)).GetProperty("recovered").GetBoolean(), Is.False);
    }

    [Test]
    public async Task ErrorsWithRef_ConnectionStaysOpen(CancellationToken ct)
    {
        await using ChatTestClient alice = await _server.ConnectAsync("err-alice", "alice", ct);
        (string Json, string Code)[] cases =
        [
            ("""{"type":"nope","ref":"1"}""", "bad_request"),
            ("""not json""", "bad_request"),
            ("""{"type":"leave","room":"never-joined","ref":"1"}""", "not_member"),
            ("""{"type":"message","room":"never-joined","text":"x","ref":"1"}""", "not_member"),
            ("""{"type":"typing","room":"never-joined","status":true,"ref":"1"}""", "not_member"),
            ("""{"type":"list_users","room":"no-such-room-x","ref":"1"}""", "room_not_found"),
            ("""{"type":"history","room":"no-such-room-x","ref":"1"}""", "room_not_found"),
            ("""{"type":"dm","to":"nobody","text":"x","ref":"1"}""", "user_not_found"),
            ($$"""{"type":"message","room":"r","text":"{{new string('x', 4097)}}","ref":"1"}""", "too_large"),
        ];
        foreach ((string json, string code) in cases)
        {
            await alice.SendAsync(json, ct);
            JsonElement error = await alice.ExpectAsync("error", ct);
            Assert.That(error.GetProperty("code").GetString(), Is.EqualTo(code), json);
            Assert.That(error.GetProperty("message").GetString(), Is.Not.Empty);
        }

        Assert.That(await alice.DrainAsync("still-open", ct), Is.Empty);
    }

    private static string Room() => "room-" + Guid.NewGuid().ToString("N")[..12];

    private static async Task SendMany(ChatTestClient client, string room, string prefix, int count, CancellationToken ct)
    {
        for (int i = 0; i < count; i++) await client.SendAsync(new { type = "message", room, text = prefix + i, @ref = prefix + i }, ct);
    }
}
