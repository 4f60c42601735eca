using WsChat.Core.Client;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Client;

/// <summary>The chat client's requests, replies, errors and events against a real server over loopback.</summary>
[CancelAfter(60_000)]
public class ChatClientTests
{
    [Test]
    public async Task ConnectAsync_ValidToken_ConnectedWithTheTokensIdentity(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using var client = new ChatClient(server.ClientOptions("u-alice", "alice"));
        var events = new ClientEvents(client);
        Assert.That(client.State, Is.EqualTo(ChatConnectionState.Connecting));

        await client.ConnectAsync(ct);

        Assert.Multiple(() =>
        {
            Assert.That(client.State, Is.EqualTo(ChatConnectionState.Connected));
            Assert.That((client.UserId, client.Username), Is.EqualTo(("u-alice", "alice")));
            Assert.That(client.Session, Does.StartWith("c"));
            Assert.That(events.States.Select(s => (s.Previous, s.Current)), Is.EqualTo(new[] { (ChatConnectionState.Connecting, ChatConnectionState.Connected) }));
        });
    }

    [Test]
    public async Task JoinAsync_NewRoom_CompletesWithJoinedAndRaisesJoined(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using ChatClient bob = await server.ConnectAsync("u-bob", ct, "bob");
        await bob.JoinAsync("lobby", ct);
        var (alice, events) = await server.ConnectRecordedAsync("u-alice", ct, "alice");

        ChatJoined joined = await alice.JoinAsync("lobby", ct);

        Assert.Multiple(() =>
        {
            Assert.That((joined.Room, joined.LastId, joined.IsRejoin), Is.EqualTo(("lobby", 0L, false)));
            Assert.That(joined.Members.Select(m => m.UserId), Is.EquivalentTo(new[] { "u-alice", "u-bob" }));
            Assert.That(events.Joined, Is.EqualTo(new[] { joined }));
            Assert.That(alice.Rooms, Is.EqualTo(new[] { "lobby" }));
        });
    }

    [Test]
    public async Task SendAsync_JoinedRoom_AckIdIsTheIdEveryMemberReceives(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        var (alice, aliceEvents) = await server.ConnectRecordedAsync("u-alice", ct, "alice");
        var (bob, bobEvents) = await server.ConnectRecordedAsync("u-bob", ct, "bob");
        await alice.JoinAsync("r", ct);
        await bob.JoinAsync("r", ct);

        long first = await alice.SendAsync("r", "Hello!", ct);
        long second = await alice.SendAsync("r", "again \"quoted\" 😀", ct);

        await bobEvents.WaitUntilAsync(e => e.Messages.Count == 2, ct);
        await aliceEvents.WaitUntilAsync(e => e.Messages.Count == 2, ct);
        Assert.Multiple(() =>
        {
            Assert.That(second, Is.GreaterThan(first));
            Assert.That(bobEvents.Messages.Select(m => (m.Id, m.Text, m.From, m.FromId, m.Room)),
                Is.EqualTo(new[] { (first, "Hello!", "alice", "u-alice", "r"), (second, "again \"quoted\" 😀", "alice", "u-alice", "r") }));
            Assert.That(aliceEvents.IdsIn("r"), Is.EqualTo(new[] { first, second }), "the sender gets its own messages too (PROTOCOL.md §3)");
            Assert.That(bobEvents.Messages[0].Timestamp, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(5)));
        });
    }

    [Test]
    public async Task SendAsync_RoomNotJoined_FaultsWithNotMemberAndItsRef(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct);
        var events = new ClientEvents(alice);

        ChatServerException e = Assert.ThrowsAsync<ChatServerException>(() => alice.SendAsync("elsewhere", "hi", ct))!;

        Assert.Multiple(() =>
        {
            Assert.That((e.Code, e.Error.CodeName), Is.EqualTo((ChatErrorCode.NotMember, "not_member")));
            Assert.That(e.Error.Ref, Is.Not.Null.And.Not.Empty);
            Assert.That(events.Errors, Is.Empty, "an error that answers a request faults it; it is not raised as well");
            Assert.That(alice.State, Is.EqualTo(ChatConnectionState.Connected), "an error never closes the connection (PROTOCOL.md §4)");
        });
    }

    [Test]
    public async Task SendAsync_TextOverTheServersLimit_FaultsWithTooLarge(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync(configure: o => o.MaxTextLength = 10);
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct);
        await alice.JoinAsync("r", ct);

        Assert.That(await alice.SendAsync("r", "0123456789", ct), Is.GreaterThan(0), "at the limit");
        ChatServerException e = Assert.ThrowsAsync<ChatServerException>(() => alice.SendAsync("r", "0123456789!", ct))!;
        Assert.That(e.Code, Is.EqualTo(ChatErrorCode.TooLarge));
    }

    [Test]
    public async Task SendAsync_OverTheRateLimit_FaultsWithRateLimitedAndRetryAfter(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync(configure: o => { o.UserRatePerSecond = 0.5; o.UserRateBurst = 1; });
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct);
        await alice.JoinAsync("r", ct);
        await alice.SendAsync("r", "the burst", ct);

        ChatServerException e = Assert.ThrowsAsync<ChatServerException>(() => alice.SendAsync("r", "one too many", ct))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.Code, Is.EqualTo(ChatErrorCode.RateLimited));
            Assert.That(e.RetryAfter, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromSeconds(2)));
        });
    }

    [Test]
    public async Task SendAsync_InvalidArguments_ThrowBeforeSending(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct);
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => alice.SendAsync("r", "", ct));
            Assert.Throws<ArgumentException>(() => alice.SendAsync("bad room", "hi", ct));
            Assert.Throws<ArgumentException>(() => alice.SendAsync(new string('r', 65), "hi", ct));
            Assert.Throws<ArgumentException>(() => alice.SendAsync("r", "hi", new string('f', 65), ct));
            Assert.Throws<ArgumentException>(() => alice.JoinAsync("é", ct));
            Assert.Throws<ArgumentOutOfRangeException>(() => alice.HistoryAsync("r", limit: 101, cancellationToken: ct));
            Assert.Throws<ArgumentOutOfRangeException>(() => alice.HistoryAsync("r", limit: 0, cancellationToken: ct));
            Assert.Throws<ArgumentOutOfRangeException>(() => alice.HistoryAsync("r", before: -1, cancellationToken: ct));
        });
        Assert.That(await alice.JoinAsync(new string('r', 64), ct), Is.Not.Null, "64 characters is a valid name");
    }

    [Test]
    public async Task SendDmAsync_OnlineUser_BothSeeItAndHistoryHasIt(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        var (alice, aliceEvents) = await server.ConnectRecordedAsync("u-alice", ct, "alice");
        var (bob, bobEvents) = await server.ConnectRecordedAsync("u-bob", ct, "bob");

        long id = await alice.SendDmAsync("u-bob", "psst", ct);

        await bobEvents.WaitUntilAsync(e => e.DirectMessages.Count == 1, ct);
        await aliceEvents.WaitUntilAsync(e => e.DirectMessages.Count == 1, ct);
        ChatHistoryPage<ChatDirectMessage> page = await bob.DmHistoryAsync("u-alice", cancellationToken: ct);
        Assert.Multiple(() =>
        {
            Assert.That(bobEvents.DirectMessages.Single(), Is.EqualTo(aliceEvents.DirectMessages.Single()));
            Assert.That(bobEvents.DirectMessages.Single() with { Timestamp = default }, Is.EqualTo(new ChatDirectMessage(id, "alice", "u-alice", "u-bob", "psst", default)));
            Assert.That(page.Messages.Select(m => (m.Id, m.Text)), Is.EqualTo(new[] { (id, "psst") }));
            Assert.That(page.HasMore, Is.False);
        });
    }

    [Test]
    public async Task SendDmAsync_UnknownUserWithoutPersistence_FaultsWithUserNotFound(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct);
        ChatServerException e = Assert.ThrowsAsync<ChatServerException>(() => alice.SendDmAsync("u-nobody", "hello?", ct))!;
        Assert.That(e.Code, Is.EqualTo(ChatErrorCode.UserNotFound));
    }

    [Test]
    public async Task PresenceAndLeave_OtherMemberComesAndGoes_OnlineThenOffline(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct, "alice");
        await using ChatClient bob = await server.ConnectAsync("u-bob", ct, "bob");
        var aliceEvents = new ClientEvents(alice);
        await alice.JoinAsync("r", ct);

        await bob.JoinAsync("r", ct);
        await bob.LeaveAsync("r", ct);

        await aliceEvents.WaitUntilAsync(e => e.Presence.Count == 2, ct);
        Assert.Multiple(() =>
        {
            Assert.That(aliceEvents.Presence, Is.EqualTo(new[] { new ChatPresence("r", "bob", "u-bob", true), new ChatPresence("r", "bob", "u-bob", false) }));
            Assert.That(bob.Rooms, Is.Empty);
        });
        ChatServerException e = Assert.ThrowsAsync<ChatServerException>(() => bob.LeaveAsync("r", ct))!;
        Assert.That(e.Code, Is.EqualTo(ChatErrorCode.NotMember));
    }

    [Test]
    public async Task TypingAsync_OtherMembersSeeIt_AndARoomNotJoinedRaisesErrorReceived(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        var (alice, aliceEvents) = await server.ConnectRecordedAsync("u-alice", ct, "alice");
        var (bob, bobEvents) = await server.ConnectRecordedAsync("u-bob", ct, "bob");
        await alice.JoinAsync("r", ct);
        await bob.JoinAsync("r", ct);

        Assert.That(await alice.TypingAsync("r", true, ct), Is.True);
        Assert.That(await alice.TypingAsync("not-joined", true, ct), Is.True);

        await bobEvents.WaitUntilAsync(e => e.Typing.Count == 1, ct);
        await aliceEvents.WaitUntilAsync(e => e.Errors.Count == 1, ct);
        Assert.Multiple(() =>
        {
            Assert.That(bobEvents.Typing.Single(), Is.EqualTo(new ChatTyping("r", "alice", "u-alice", true)));
            Assert.That(aliceEvents.Typing, Is.Empty, "typing goes to the other members");
            Assert.That((aliceEvents.Errors.Single().Code, aliceEvents.Errors.Single().Ref), Is.EqualTo((ChatErrorCode.NotMember, (string?)null)));
        });
    }

    [Test]
    public async Task ListUsersAsync_JoinedRoomAndUnknownRoom(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct, "alice");
        await using ChatClient bob = await server.ConnectAsync("u-bob", ct, "bob");
        await alice.JoinAsync("r", ct);
        await bob.JoinAsync("r", ct);

        IReadOnlyList<ChatMember> members = await alice.ListUsersAsync("r", ct);

        Assert.That(members, Is.EquivalentTo(new[] { new ChatMember("u-alice", "alice"), new ChatMember("u-bob", "bob") }));
        ChatServerException e = Assert.ThrowsAsync<ChatServerException>(() => alice.ListUsersAsync("nobody-here", ct))!;
        Assert.That(e.Code, Is.EqualTo(ChatErrorCode.RoomNotFound));
    }

    [Test]
    public async Task HistoryAsync_PagesBackOldestFirst(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct, "alice");
        await alice.JoinAsync("r", ct);
        var ids = new List<long>();
        for (int i = 0; i < 5; i++) ids.Add(await alice.SendAsync("r", "m" + i, ct));

        ChatHistoryPage<ChatMessage> newest = await alice.HistoryAsync("r", limit: 3, cancellationToken: ct);
        ChatHistoryPage<ChatMessage> older = await alice.HistoryAsync("r", before: newest.Messages[0].Id, limit: 3, cancellationToken: ct);

        Assert.Multiple(() =>
        {
            Assert.That(newest.Messages.Select(m => m.Id), Is.EqualTo(ids.Skip(2)));
            Assert.That(newest.Messages.Select(m => m.Text), Is.EqualTo(new[] { "m2", "m3", "m4" }));
            Assert.That(newest.HasMore, Is.True);
            Assert.That(older.Messages.Select(m => m.Id), Is.EqualTo(ids.Take(2)));
            Assert.That(older.HasMore, Is.False);
        });
    }

    [Test]
    public async Task PingAsync_AnsweredByPong(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct);
        Assert.That(await alice.PingAsync(ct), Is.GreaterThanOrEqualTo(TimeSpan.Zero));
    }

    [Test]
    public async Task RefreshTokenAsync_SameUser_AckedWithTheNewExpiry(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        var expires = DateTimeOffset.UtcNow.AddHours(3);
        var issued = new List<string>();
        var options = server.ClientOptions("u-alice");
        await using var alice = new ChatClient(new ChatClientOptions
        {
            ServerUri = options.ServerUri,
            TokenProvider = _ =>
            {
                string token = TestTokens.Mint("u-alice", expires: issued.Count == 0 ? DateTimeOffset.UtcNow.AddHours(1) : expires);
                lock (issued) issued.Add(token);
                return ValueTask.FromResult(token);
            },
        });
        await alice.ConnectAsync(ct);

        DateTimeOffset? acked = await alice.RefreshTokenAsync(ct);

        Assert.That(acked, Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds())));
        Assert.That(issued, Has.Count.EqualTo(2), "one token to connect, one for the refresh");
        ChatServerException e = Assert.ThrowsAsync<ChatServerException>(() => alice.RefreshTokenAsync(TestTokens.Mint("u-mallory"), ct))!;
        Assert.That(e.Code, Is.EqualTo(ChatErrorCode.Forbidden), "another user's token (PROTOCOL.md §5)");
    }

    [Test]
    public async Task ConnectAsync_BadToken_ClosedForGoodWithUnauthenticated(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        ChatClientOptions options = server.ClientOptions("u-alice");
        await using var client = new ChatClient(new ChatClientOptions
        {
            ServerUri = options.ServerUri,
            Token = TestTokens.Mint("u-alice", secret: "another-secret-of-at-least-32-bytes-0123456789"),
        });
        var events = new ClientEvents(client);

        ChatClientClosedException e = Assert.ThrowsAsync<ChatClientClosedException>(() => client.ConnectAsync(ct))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.CloseCode, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
            Assert.That(e.Error?.Code, Is.EqualTo(ChatErrorCode.Unauthenticated));
            Assert.That(client.State, Is.EqualTo(ChatConnectionState.Closed));
            Assert.That(events.States.Select(s => s.Current), Is.EqualTo(new[] { ChatConnectionState.Closed }), "refused once, never retried");
        });
        Assert.ThrowsAsync<ChatClientClosedException>(() => client.JoinAsync("r", ct));
    }

    [Test]
    public async Task ConnectAsync_UpgradeRefusedWith404_ClosedForGood(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using var client = new ChatClient(new ChatClientOptions { ServerUri = new Uri(server.Uri, "/nowhere"), Token = TestTokens.Mint("u") });
        ChatClientClosedException e = Assert.ThrowsAsync<ChatClientClosedException>(() => client.ConnectAsync(ct))!;
        Assert.That(e.InnerException, Is.TypeOf<WsChat.Net.Client.WebSocketHandshakeException>().With.Property("StatusCode").EqualTo(404));
    }

    [Test]
    public async Task CloseAsync_Connected_PendingAndLaterRequestsFailAndStateIsClosed(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        ChatClient alice = await server.ConnectAsync("u-alice", ct);
        var events = new ClientEvents(alice);

        await alice.CloseAsync(ct);

        Assert.Multiple(() =>
        {
            Assert.That(alice.State, Is.EqualTo(ChatConnectionState.Closed));
            Assert.That(events.States.Last().Current, Is.EqualTo(ChatConnectionState.Closed));
            Assert.ThrowsAsync<ChatClientClosedException>(() => alice.SendAsync("r", "late", ct));
            Assert.ThrowsAsync<ChatClientClosedException>(() => alice.ConnectAsync(ct), "a closed client stays closed");
        });
        await alice.DisposeAsync();    // idempotent
    }

    [Test]
    public void Options_Invalid_RefusedByTheConstructor()
    {
        var uri = new Uri("ws://127.0.0.1:1/ws");
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => _ = new ChatClient(new ChatClientOptions { ServerUri = new Uri("wss://x/ws"), Token = "t" }));
            Assert.Throws<ArgumentException>(() => _ = new ChatClient(new ChatClientOptions { ServerUri = uri }), "no token at all");
            Assert.Throws<ArgumentException>(() => _ = new ChatClient(new ChatClientOptions { ServerUri = uri, Token = "t", TokenProvider = _ => ValueTask.FromResult("t") }));
            Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ChatClient(new ChatClientOptions { ServerUri = uri, Token = "t", ReconnectInitialDelay = TimeSpan.Zero }));
            Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ChatClient(new ChatClientOptions { ServerUri = uri, Token = "t", ReconnectMaxDelay = TimeSpan.FromMilliseconds(1) }));
        });
    }

    [Test]
    public void ErrorCodes_PublicEnum_MatchesTheServersCodes()
    {
        // ChatErrorCode is cast from the server's ErrorCode: same names in the same order.
        string[] server = Enum.GetNames<WsChat.Core.Protocol.ErrorCode>()[1..];
        string[] client = Enum.GetNames<ChatErrorCode>()[1..];
        Assert.That(client, Is.EqualTo(server));
    }
}
