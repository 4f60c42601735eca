using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Browser;

/// <summary>
/// wschat.js, the JavaScript client library, on its own (no page UI) in Chromium against the real server:
/// backoff, recovery with <c>since</c> after a dropped connection, and the resend of an unacknowledged message
/// under the same <c>ref</c> (PROTOCOL.md §5, idempotent retries).
/// </summary>
[Category("Browser")]
[NonParallelizable]
public class WsChatJsClientTests
{
    // Imported by every script below; tokens come from the development endpoint.
    private const string Prelude = """
        const lib = await import('/static/wschat.js');
        const wsUrl = `ws://${location.host}/ws`;
        const token = async user => (await (await fetch('/dev/token?user=' + user, { cache: 'no-store' })).json()).token;
        const until = async (check, what, ms = 20000) => {
          const end = Date.now() + ms;
          while (!check()) { if (Date.now() > end) throw new Error('timed out waiting for ' + what); await new Promise(r => setTimeout(r, 20)); }
        };
        """;

    private Chromium _chromium = null!;
    private WsChatProcess _server = null!;
    private ChatPageHost _host = null!;

    [OneTimeSetUp]
    public async Task OneTimeSetUp()
    {
        _chromium = await Chromium.LaunchAsync();
        _server = await BrowserServer.StartAsync(CancellationToken.None);
        _host = await ChatPageHost.OpenAsync(_chromium.Browser, _server.BaseUri);
    }

    [OneTimeTearDown]
    public async Task OneTimeTearDown()
    {
        if (_host is not null) await _host.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
        if (_chromium is not null) await _chromium.DisposeAsync();
    }

    private Task<JsonElement> RunAsync(string body) => _host.RunAsync("async () => {\n" + Prelude + "\n" + body + "\n}");

    [Test, CancelAfter(60_000)]
    public async Task BackoffDelay_FullJitter_StaysUnderTheDoublingCapAndSpreadsOverIt()
    {
        JsonElement result = await RunAsync("""
            const bounds = [];
            for (let attempt = 0; attempt < 12; attempt++)
              bounds.push([lib.backoffDelay(attempt, 500, 30000, () => 0), lib.backoffDelay(attempt, 500, 30000, () => 0.999999)]);
            const samples = Array.from({ length: 2000 }, () => lib.backoffDelay(5, 500, 30000));
            return { bounds, min: Math.min(...samples), max: Math.max(...samples), distinct: new Set(samples).size,
                     low: samples.filter(s => s < 4000).length, high: samples.filter(s => s >= 12000).length };
            """);

        for (int attempt = 0; attempt < 12; attempt++)
        {
            double cap = Math.Min(30000, 500 * Math.Pow(2, attempt));
            Assert.That(result.GetProperty("bounds")[attempt][0].GetInt32(), Is.Zero, $"attempt {attempt}: full jitter starts at 0");
            Assert.That(result.GetProperty("bounds")[attempt][1].GetInt32(), Is.EqualTo((int)Math.Floor(0.999999 * cap)), $"attempt {attempt}");
        }
        // Attempt 5: uniform over [0, 16000). 2000 samples: each quarter holds ~500; 100 is far out in the tail.
        Assert.That(result.GetProperty("min").GetInt32(), Is.GreaterThanOrEqualTo(0));
        Assert.That(result.GetProperty("max").GetInt32(), Is.LessThan(16000));
        Assert.That(result.GetProperty("distinct").GetInt32(), Is.GreaterThan(1000));
        Assert.That(result.GetProperty("low").GetInt32(), Is.GreaterThan(100));
        Assert.That(result.GetProperty("high").GetInt32(), Is.GreaterThan(100));
    }

    [Test, CancelAfter(90_000)]
    public async Task Client_ConnectionDropped_RejoinsWithSinceAndDeliversEveryMissedMessageOnce()
    {
        JsonElement result = await RunAsync("""
            const room = 'js-recovery';
            // A fixed random makes the backoff 2970 ms: long enough for bob to send while alice is away.
            const alice = lib.connect(wsUrl, { tokenProvider: () => token('js-alice'), initialDelayMs: 3000, random: () => 0.99 });
            const bob = lib.connect(wsUrl, { tokenProvider: () => token('js-bob') });
            const got = [], joins = [];
            alice.on('message', m => got.push(m));
            alice.on('joined', j => joins.push({ recovered: j.recovered, last_id: j.last_id }));
            await alice.ready(); await bob.ready();
            await alice.join(room); await bob.join(room);
            await bob.send(room, 'one');
            await until(() => got.length === 1, 'one');

            alice.reconnect();
            const stateWhileSending = alice.state;
            for (let i = 2; i <= 6; i++) await bob.send(room, 'n' + i);
            const stateAfterSending = alice.state;
            await alice.ready();
            await until(() => got.length >= 6, 'the missed messages');
            await alice.ping(); // anything still in flight arrives before the pong
            const result = { got: got.map(m => [m.id, m.text]), joins, stateWhileSending, stateAfterSending };
            alice.close(); bob.close();
            return result;
            """);

        Assert.That(result.GetProperty("stateWhileSending").GetString(), Is.EqualTo("reconnecting"));
        Assert.That(result.GetProperty("stateAfterSending").GetString(), Is.EqualTo("reconnecting"), "bob's messages must have been sent while alice was away");
        var got = result.GetProperty("got").EnumerateArray().Select(m => (Id: m[0].GetInt64(), Text: m[1].GetString())).ToList();
        Assert.That(got.Select(m => m.Text), Is.EqualTo(new[] { "one", "n2", "n3", "n4", "n5", "n6" }));
        Assert.That(got.Select(m => m.Id), Is.Ordered.Ascending.And.Unique);
        var joins = result.GetProperty("joins").EnumerateArray().ToList();
        Assert.That(joins, Has.Count.EqualTo(2));
        Assert.That(joins[1].GetProperty("recovered").GetBoolean(), Is.True, "the rejoin carried since and everything was replayed");
    }

    [Test, CancelAfter(90_000)]
    public async Task Client_AckLostToADroppedConnection_ResendsWithSameRefAndTheMessageIsStoredOnce()
    {
        JsonElement result = await RunAsync("""
            const room = 'js-resend';
            const alice = lib.connect(wsUrl, { tokenProvider: () => token('js-alice2'), initialDelayMs: 3000, random: () => 0.99 });
            const bob = lib.connect(wsUrl, { tokenProvider: () => token('js-bob2') });
            const bobGot = [];
            let aliceBack = false;
            bob.on('message', m => bobGot.push({ id: m.id, text: m.text, aliceBack }));
            await alice.ready(); await bob.ready();
            await alice.join(room); await bob.join(room);

            const sent = alice.send(room, 'exactly once');
            alice.reconnect(); // the message is on the wire; its ack will arrive on a socket alice has let go
            const pendingWhileAway = alice.pendingCount;
            await alice.ready();
            aliceBack = true;
            const ack = await sent;
            const history = await alice.history({ room, limit: 100 });
            await bob.ping();
            const result = { ack, pendingWhileAway, bobGot, history: history.messages.map(m => [m.id, m.text]) };
            alice.close(); bob.close();
            return result;
            """);

        Assert.That(result.GetProperty("pendingWhileAway").GetInt32(), Is.EqualTo(1), "the unacked message waits in the outbox");
        var history = result.GetProperty("history").EnumerateArray().Select(m => (Id: m[0].GetInt64(), Text: m[1].GetString())).ToList();
        Assert.That(history.Select(m => m.Text), Is.EqualTo(new[] { "exactly once" }), "resent under the same ref, stored once");
        Assert.That(result.GetProperty("ack").GetProperty("id").GetInt64(), Is.EqualTo(history[0].Id), "the retry is acked with the original id");
        var bobGot = result.GetProperty("bobGot").EnumerateArray().ToList();
        Assert.That(bobGot, Has.Count.EqualTo(1));
        Assert.That(bobGot[0].GetProperty("aliceBack").GetBoolean(), Is.False, "the first send reached the server before alice reconnected");
    }
}
