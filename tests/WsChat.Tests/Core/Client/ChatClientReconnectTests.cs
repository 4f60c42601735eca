using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using WsChat.Core.Client;
using WsChat.Core.Ports;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Client;

/// <summary>
/// Lost connections against a real server over loopback: the client reconnects by itself, rejoins with since,
/// resends what was not acknowledged with its ref, and delivers each room message once, in id order. Where a test
/// must act while the client is disconnected, the client runs on a fake clock, so its backoff ends only when the
/// test advances it (no sleeps, no timing assertions).
/// </summary>
[CancelAfter(60_000)]
public class ChatClientReconnectTests
{
    [TestCase(WebSocketCloseCode.GoingAway)]
    [TestCase(WebSocketCloseCode.InternalError)]
    public async Task ServerCloses_TransientCode_ReconnectsAndRejoinsWithSince(WebSocketCloseCode code, CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct);
        var events = new ClientEvents(alice);
        await alice.JoinAsync("r", ct);
        long before = await alice.SendAsync("r", "before", ct);
        string firstSession = alice.Session!;

        server.CloseConnectionOf(alice, code);

        await events.WaitUntilAsync(e => e.Joined.Count == 2 && alice.State == ChatConnectionState.Connected, ct);
        long after = await alice.SendAsync("r", "after", ct);
        await events.WaitUntilAsync(e => e.Messages.Count == 2, ct);
        Assert.Multiple(() =>
        {
            Assert.That(alice.Session, Is.Not.EqualTo(firstSession));
            Assert.That(events.States.Select(s => s.Current), Is.EqualTo(new[] { ChatConnectionState.Reconnecting, ChatConnectionState.Connected }));
            Assert.That(events.States[0].CloseCode, Is.EqualTo(code));
            ChatJoined rejoin = events.Joined[1];
            Assert.That((rejoin.Room, rejoin.IsRejoin, rejoin.Recovered, rejoin.LastId), Is.EqualTo(("r", true, true, before)));
            Assert.That(events.IdsIn("r"), Is.EqualTo(new[] { before, after }));
            Assert.That(events.Gaps, Is.Empty);
        });
    }

    // PROTOCOL.md §2, §5: the 1008 closes a new connection would only get again. "token expired" is final here
    // because this client has a fixed token (with a token provider it reconnects: below).
    [TestCase("too many connections")]
    [TestCase("authentication failed")]
    [TestCase("rate limit exceeded")]
    [TestCase("token expired")]
    public async Task ServerCloses_1008_ClosedForGoodAndPendingRequestsFail(string reason, CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        FakeTimeProvider clock = ClientTestServer.FakeClock();
        var (alice, events) = await server.ConnectRecordedAsync("u-alice", ct, time: clock);

        server.CloseConnectionOf(alice, WebSocketCloseCode.PolicyViolation, reason);

        await events.WaitUntilAsync(_ => alice.State == ChatConnectionState.Closed, ct);
        ChatConnectionStateChange closed = events.States.Last();
        Assert.Multiple(() =>
        {
            Assert.That(events.States.Select(s => s.Current), Is.EqualTo(new[] { ChatConnectionState.Connected, ChatConnectionState.Closed }), "never Reconnecting");
            Assert.That((closed.Previous, closed.CloseCode), Is.EqualTo((ChatConnectionState.Connected, WebSocketCloseCode.PolicyViolation)));
            Assert.That(closed.Error, Is.TypeOf<ChatClientClosedException>());
        });
        ChatClientClosedException e = Assert.ThrowsAsync<ChatClientClosedException>(() => alice.SendAsync("r", "too late", ct))!;
        Assert.That(e.CloseCode, Is.EqualTo(WebSocketCloseCode.PolicyViolation));
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.That(alice.State, Is.EqualTo(ChatConnectionState.Closed), "no reconnect after 1008, however long");
    }

    [Test]
    public async Task ServerCloses_1008SlowConsumer_ReconnectsAndRecoversWhatItMissed(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct);
        var events = new ClientEvents(alice);
        await alice.JoinAsync("r", ct);
        long before = await alice.SendAsync("r", "before", ct);

        server.CloseConnectionOf(alice, WebSocketCloseCode.PolicyViolation, "slow consumer");

        await events.WaitUntilAsync(e => e.Joined.Count == 2 && alice.State == ChatConnectionState.Connected, ct);
        long after = await alice.SendAsync("r", "after", ct);
        await events.WaitUntilAsync(e => e.Messages.Count == 2, ct);
        Assert.Multiple(() =>
        {
            Assert.That((events.States[0].Current, events.States[0].CloseCode), Is.EqualTo((ChatConnectionState.Reconnecting, WebSocketCloseCode.PolicyViolation)));
            Assert.That(events.Joined[1].Recovered, Is.True);
            Assert.That(events.IdsIn("r"), Is.EqualTo(new[] { before, after }));
        });
    }

    [Test]
    public async Task ServerCloses_1008TokenExpired_WithTokenProvider_ReconnectsWithANewToken(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        int tokensGiven = 0;
        ChatClientOptions fixedToken = server.ClientOptions("u-alice");
        await using var alice = new ChatClient(new ChatClientOptions
        {
            ServerUri = fixedToken.ServerUri,
            TokenProvider = _ =>
            {
                Interlocked.Increment(ref tokensGiven);
                return ValueTask.FromResult(TestTokens.Mint("u-alice"));
            },
            ReconnectInitialDelay = fixedToken.ReconnectInitialDelay,
            ReconnectMaxDelay = fixedToken.ReconnectMaxDelay,
            Random = new Random(1234),
        });
        var events = new ClientEvents(alice);
        await alice.ConnectAsync(ct);
        await alice.JoinAsync("r", ct);

        server.CloseConnectionOf(alice, WebSocketCloseCode.PolicyViolation, "token expired");

        await events.WaitUntilAsync(e => e.Joined.Count == 2 && alice.State == ChatConnectionState.Connected, ct);
        Assert.That(Volatile.Read(ref tokensGiven), Is.EqualTo(2), "one token per connection");
    }

    [Test]
    public async Task MessagesSentWhileDisconnected_ReplayedOnRejoin_OnceEachInIdOrder(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        FakeTimeProvider clock = ClientTestServer.FakeClock();
        var (alice, events) = await server.ConnectRecordedAsync("u-alice", ct, time: clock);
        await using ChatClient bob = await server.ConnectAsync("u-bob", ct);
        await alice.JoinAsync("r", ct);
        await bob.JoinAsync("r", ct);
        var sent = new List<long> { await bob.SendAsync("r", "seen live", ct) };
        await events.WaitUntilAsync(e => e.Messages.Count == 1, ct);

        server.CloseConnectionOf(alice, WebSocketCloseCode.GoingAway);
        await events.WaitUntilAsync(_ => alice.State == ChatConnectionState.Reconnecting, ct);
        for (int i = 0; i < 5; i++) sent.Add(await bob.SendAsync("r", "missed " + i, ct));
        clock.Advance(TimeSpan.FromSeconds(1));       // past the backoff (below 20 ms for the first attempt)
        await events.WaitUntilAsync(e => e.Messages.Count == 6, ct);
        sent.Add(await bob.SendAsync("r", "live again", ct));
        await events.WaitUntilAsync(e => e.Messages.Count == 7, ct);

        ChatHistoryPage<ChatMessage> history = await bob.HistoryAsync("r", limit: 100, cancellationToken: ct);
        Assert.Multiple(() =>
        {
            Assert.That(events.IdsIn("r"), Is.EqualTo(sent), "every message once, in id order");
            Assert.That(events.IdsIn("r"), Is.EqualTo(history.Messages.Select(m => m.Id)), "exactly the server's history");
            Assert.That(events.Joined.Last().Recovered, Is.True);
            Assert.That(events.Gaps, Is.Empty);
        });
    }

    [Test]
    public async Task MoreMissedThanTheReplayBound_RecoveryGapRaised_NewestDelivered(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync(configure: o => o.ReplayLimit = 2);
        FakeTimeProvider clock = ClientTestServer.FakeClock();
        var (alice, events) = await server.ConnectRecordedAsync("u-alice", ct, time: clock);
        await using ChatClient bob = await server.ConnectAsync("u-bob", ct);
        await alice.JoinAsync("r", ct);
        await bob.JoinAsync("r", ct);
        long seen = await bob.SendAsync("r", "seen", ct);
        await events.WaitUntilAsync(e => e.Messages.Count == 1, ct);

        server.CloseConnectionOf(alice, WebSocketCloseCode.GoingAway);
        await events.WaitUntilAsync(_ => alice.State == ChatConnectionState.Reconnecting, ct);
        var missed = new List<long>();
        for (int i = 0; i < 5; i++) missed.Add(await bob.SendAsync("r", "missed " + i, ct));
        clock.Advance(TimeSpan.FromSeconds(1));
        await events.WaitUntilAsync(e => e.Gaps.Count == 1 && e.Messages.Count == 3, ct);

        Assert.Multiple(() =>
        {
            Assert.That(events.Gaps.Single(), Is.EqualTo(new ChatRecoveryGap("r", seen, missed[^1])));
            Assert.That(events.Joined.Last().Recovered, Is.False);
            Assert.That(events.IdsIn("r"), Is.EqualTo(new[] { seen, missed[3], missed[4] }), "the newest two replayed (the bound), in order");
        });
    }

    [Test]
    public async Task ServerRestartedWithoutStorage_IdsWentBack_GapReportedAndTheNewIdsDelivered(CancellationToken ct)
    {
        ClientTestServer first = await ClientTestServer.StartAsync();
        int port = first.Server.LocalEndPoint.Port;
        await using var alice = new ChatClient(first.ClientOptions("u-alice"));
        var events = new ClientEvents(alice);
        await alice.ConnectAsync(ct);
        await alice.JoinAsync("r", ct);
        for (int i = 0; i < 3; i++) await alice.SendAsync("r", "before " + i, ct);
        long seen = events.IdsIn("r")[^1];

        await first.DisposeAsync();        // drains: close 1001; its rooms lived in memory only
        await using ClientTestServer second = await ClientTestServer.StartAsync(configure: o => o.Port = port);
        await events.WaitUntilAsync(e => e.Gaps.Count == 1, ct);
        long fresh = await alice.SendAsync("r", "after", ct);
        await events.WaitUntilAsync(e => e.Messages.Count == 4, ct);

        Assert.Multiple(() =>
        {
            Assert.That(events.Gaps.Single(), Is.EqualTo(new ChatRecoveryGap("r", seen, 0)));
            Assert.That(fresh, Is.LessThanOrEqualTo(seen), "the new server's ids start again");
            Assert.That(events.Messages[^1].Text, Is.EqualTo("after"), "delivered although its id is not above the old ones");
        });
    }

    [Test]
    public async Task RequestsMadeWhileDisconnected_SentOnceReconnected(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        FakeTimeProvider clock = ClientTestServer.FakeClock();
        var (alice, events) = await server.ConnectRecordedAsync("u-alice", ct, time: clock);
        await alice.JoinAsync("r", ct);

        server.CloseConnectionOf(alice, WebSocketCloseCode.GoingAway);
        await events.WaitUntilAsync(_ => alice.State == ChatConnectionState.Reconnecting, ct);
        Task<ChatJoined> join = alice.JoinAsync("second", ct);
        Task<long> send = alice.SendAsync("r", "queued", ct);
        Task<IReadOnlyList<ChatMember>> users = alice.ListUsersAsync("r", ct);
        Task<TimeSpan> ping = alice.PingAsync(ct);
        Assert.That(await alice.TypingAsync("r", true, ct), Is.False, "typing is not kept for later");
        Assert.That(new Task[] { join, send, users, ping }.Any(t => t.IsCompleted), Is.False);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Multiple(async () =>
        {
            Assert.That((await join).Room, Is.EqualTo("second"));
            Assert.That(await send, Is.GreaterThan(0));
            Assert.That((await users).Select(u => u.UserId), Is.EqualTo(new[] { "u-alice" }), "rejoined before the queued requests");
            Assert.That(await ping, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
        });
        Assert.That(alice.Rooms, Is.EquivalentTo(new[] { "r", "second" }));
    }

    [Test]
    public async Task AckLostWithTheConnection_ResentWithItsRef_StoredOnceAndAckedWithTheOriginalId(CancellationToken ct)
    {
        var store = new ControllableMessageStore();
        await using ClientTestServer server = await ClientTestServer.StartAsync(store);
        FakeTimeProvider clock = ClientTestServer.FakeClock();
        var (alice, events) = await server.ConnectRecordedAsync("u-alice", ct, time: clock);
        await using ChatClient bob = await server.ConnectAsync("u-bob", ct);
        var bobEvents = new ClientEvents(bob);
        await alice.JoinAsync("r", ct);
        await bob.JoinAsync("r", ct);
        long first = await alice.SendAsync("r", "first", ct);

        // The commit of "held" waits; meanwhile alice's connection is lost, so its fan-out and ack find her gone.
        store.Close();
        Task<long> held = alice.SendAsync("r", "held", ct);
        await store.Entered.Task.WaitAsync(ct);
        server.CloseConnectionOf(alice, WebSocketCloseCode.InternalError);
        await events.WaitUntilAsync(_ => alice.State == ChatConnectionState.Reconnecting, ct);
        store.Open();
        await bobEvents.WaitUntilAsync(e => e.Messages.Count == 2, ct);
        long stored = bobEvents.Messages[1].Id;
        Assert.That(held.IsCompleted, Is.False, "its ack went to the lost connection");

        clock.Advance(TimeSpan.FromSeconds(1));       // reconnect: rejoin with since = first (replays "held"), resend "held"

        Assert.That(await held, Is.EqualTo(stored), "the server recognised the ref and acked the original id");
        await events.WaitUntilAsync(e => e.Messages.Count == 2, ct);
        ChatHistoryPage<ChatMessage> history = await bob.HistoryAsync("r", cancellationToken: ct);
        Assert.Multiple(() =>
        {
            Assert.That(history.Messages.Select(m => m.Text), Is.EqualTo(new[] { "first", "held" }), "stored once");
            Assert.That(events.IdsIn("r"), Is.EqualTo(new[] { first, stored }), "delivered once (by the replay)");
        });
    }

    [Test]
    public async Task ConnectAsync_NoChatServerThereYet_RetriesUntilOneIs(CancellationToken ct)
    {
        // First something that accepts TCP and hangs up without an HTTP answer (a server going down), then nothing
        // (refused), then the chat server on that port.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var client = new ChatClient(new ChatClientOptions
        {
            ServerUri = new Uri($"ws://127.0.0.1:{port}/ws"),
            Token = TestTokens.Mint("u-early"),
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(100),
            Random = new Random(5),
        });
        Task connect = client.ConnectAsync(ct);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            using Socket hungUp = await listener.AcceptSocketAsync(ct);
        }

        listener.Stop();
        Assert.That(connect.IsCompleted, Is.False, "still trying");
        Assert.That(client.State, Is.EqualTo(ChatConnectionState.Connecting));

        await using ClientTestServer server = await ClientTestServer.StartAsync(configure: o => o.Port = port);
        await connect;

        Assert.That((client.State, client.UserId), Is.EqualTo((ChatConnectionState.Connected, "u-early")));
    }

    [Test]
    public async Task TokenProvider_TokenNearItsExpiry_RefreshedOnTheSameConnection(CancellationToken ct)
    {
        // A heartbeat longer than the whole test: the client's keep-alive watchdog stays out of the way of the clock.
        await using ClientTestServer server = await ClientTestServer.StartAsync(configure: o => o.HeartbeatInterval = TimeSpan.FromHours(2));
        FakeTimeProvider clock = ClientTestServer.FakeClock();
        DateTimeOffset start = DateTimeOffset.UtcNow;
        int issued = 0;
        var asked = new[] { new TaskCompletionSource(), new TaskCompletionSource(), new TaskCompletionSource(), new TaskCompletionSource() };
        await using var alice = new ChatClient(new ChatClientOptions
        {
            ServerUri = server.Uri,
            TimeProvider = clock,
            // Token n expires 10 × n minutes after the start (the server checks them against the real clock: all valid).
            TokenProvider = _ =>
            {
                int n = Interlocked.Increment(ref issued);
                asked[n].TrySetResult();
                return ValueTask.FromResult(TestTokens.Mint("u-alice", expires: start.AddMinutes(10 * n)));
            },
        });
        var events = new ClientEvents(alice);
        await alice.ConnectAsync(ct);
        string session = alice.Session!;

        // Token 1 expires at 10 min and is refreshed 60 s before; token 2 at 20 min: the loop goes on after its ack.
        // The clock moves in 15 s steps until the provider is asked, because the client arms its refresh timer on
        // its own loop, after ConnectAsync returned or the ack arrived.
        await AdvanceUntilAsync(clock, asked[2].Task, ct);
        Assert.That(clock.GetUtcNow() - start, Is.GreaterThan(TimeSpan.FromMinutes(8.5)), "not asked long before the expiry");
        await AdvanceUntilAsync(clock, asked[3].Task, ct);
        Assert.That(clock.GetUtcNow() - start, Is.GreaterThan(TimeSpan.FromMinutes(18.5)));

        Assert.Multiple(() =>
        {
            Assert.That(alice.Session, Is.EqualTo(session), "refreshed in place, no reconnect");
            Assert.That(events.States.Select(s => s.Current), Is.EqualTo(new[] { ChatConnectionState.Connected }));
        });
    }

    [Test]
    public async Task StreamWhileTheServerDropsTheConnectionRepeatedly_ClientEndsWithExactlyTheServersHistory(CancellationToken ct)
    {
        // The in-process twin of the process-restart test (EndToEnd/ChatClientRestartTests): a store on, so the
        // server deduplicates resent refs.
        await using ClientTestServer server = await ClientTestServer.StartAsync(new InMemoryMessageStore());
        await using ChatClient alice = await server.ConnectAsync("u-alice", ct);
        var events = new ClientEvents(alice);
        await alice.JoinAsync("stream", ct);
        const int Count = 300;
        var acks = new ConcurrentBag<long>();

        using var window = new SemaphoreSlim(16);
        var sends = new List<Task>();
        for (int i = 0; i < Count; i++)
        {
            await window.WaitAsync(ct);
            string text = "m" + i;
            sends.Add(Task.Run(async () =>
            {
                try { acks.Add(await alice.SendAsync("stream", text, ct)); }
                finally { window.Release(); }
            }, ct));
            if (i % 60 == 30 && alice.State == ChatConnectionState.Connected)
            {
                server.CloseConnectionOf(alice, i % 120 == 30 ? WebSocketCloseCode.GoingAway : WebSocketCloseCode.InternalError);
            }
        }

        await Task.WhenAll(sends);
        long newest = acks.Max();
        await events.WaitUntilAsync(e => e.IdsIn("stream").LastOrDefault() == newest, ct);

        List<long> history = await ReadAllAsync(alice, "stream", ct);
        List<long> delivered = events.IdsIn("stream");
        Assert.Multiple(() =>
        {
            Assert.That(events.States.Count(s => s.Current == ChatConnectionState.Reconnecting), Is.GreaterThanOrEqualTo(2), "the connection was dropped");
            Assert.That(history, Has.Count.EqualTo(Count), "each message stored once");
            Assert.That(acks.Order(), Is.EqualTo(history), "every ack is a stored id, none twice");
            Assert.That(delivered, Is.EqualTo(history), "delivered: no gap, no duplicate, in id order");
        });
    }

    private static async Task AdvanceUntilAsync(FakeTimeProvider clock, Task done, CancellationToken ct)
    {
        while (!done.IsCompleted)
        {
            clock.Advance(TimeSpan.FromSeconds(15));
            await Task.WhenAny(done, Task.Delay(20, ct));
        }
    }

    private static async Task<List<long>> ReadAllAsync(ChatClient client, string room, CancellationToken ct)
    {
        var ids = new List<long>();
        long? before = null;
        while (true)
        {
            ChatHistoryPage<ChatMessage> page = await client.HistoryAsync(room, before, 100, ct);
            ids.InsertRange(0, page.Messages.Select(m => m.Id));
            if (!page.HasMore || page.Messages.Count == 0) return ids;
            before = page.Messages[0].Id;
        }
    }
}
