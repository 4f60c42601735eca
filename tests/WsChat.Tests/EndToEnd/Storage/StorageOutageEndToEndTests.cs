using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>
/// PROTOCOL.md §5 on the real wschat process while its storage is unavailable (one subclass per kind of outage):
/// senders get <c>server_busy</c> with their <c>ref</c>, the other members receive nothing of the unstored
/// messages, and once storage is back the same process, never restarted, stores and broadcasts again.
/// </summary>
[CancelAfter(180_000), NonParallelizable]
public abstract class StorageOutageEndToEndTests
{
    private WsChatProcess? _server;

    /// <summary>Command-line configuration selecting this fixture's store, a fresh one for each test.</summary>
    private protected abstract Task<string[]> StorageArgumentsAsync();

    /// <summary>Makes storage unavailable to the running server.</summary>
    private protected abstract Task BreakStorageAsync(WsChatProcess server);

    /// <summary>Makes storage available again (called in a finally, also when the break failed half-way).</summary>
    private protected abstract Task RepairStorageAsync(WsChatProcess server);

    /// <summary>Text of the messages sent during the outage. A store that only fails when it must grow (a full
    /// disk) needs messages big enough to need new space.</summary>
    private protected virtual string OutageText(string label) => label;

    [TearDown]
    public async Task StopServerAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _server = null;
    }

    [Test]
    public async Task Outage_StorageUnavailable_ServerBusyWithRefNothingBroadcastThenRecoversWithoutRestart(CancellationToken ct)
    {
        WsChatProcess server = _server = await StorageEndToEnd.StartAsync(ct, await StorageArgumentsAsync());
        await using ChatTestClient alice = await StorageEndToEnd.ConnectAsync(server, "alice", ct);
        await using ChatTestClient carol = await StorageEndToEnd.ConnectAsync(server, "carol", ct);
        await using ChatTestClient bob = await StorageEndToEnd.ConnectAsync(server, "bob", ct);     // only listens
        await alice.SendAsync(new { type = "message", room = StorageEndToEnd.Room, text = "before", @ref = "before" }, ct);
        long beforeId = (await StorageEndToEnd.ReplyToAsync(alice, "before", ct)).GetProperty("id").GetInt64();
        Assert.That((await bob.SkipToAsync("message", ct)).GetProperty("text").GetString(), Is.EqualTo("before"));
        Assert.That((await carol.SkipToAsync("message", ct)).GetProperty("text").GetString(), Is.EqualTo("before"));
        int pid = server.ProcessId;

        var refused = new List<JsonElement>();
        try
        {
            await BreakStorageAsync(server);
            // Two senders, twice each: the first batch fails against storage, later ones may fail fast while the
            // batch writer backs off (MessageBatcherOptions.RetryDelay); each must be refused either way.
            foreach ((ChatTestClient sender, string name) in new[] { (alice, "alice"), (carol, "carol"), (alice, "alice"), (carol, "carol") })
            {
                string reference = $"lost-{name}-{refused.Count}";
                await sender.SendAsync(new { type = "message", room = StorageEndToEnd.Room, text = OutageText(reference), @ref = reference }, ct);
                refused.Add(await StorageEndToEnd.ReplyToAsync(sender, reference, ct));
            }
        }
        finally
        {
            await RepairStorageAsync(server);
        }

        Assert.Multiple(() =>
        {
            for (int i = 0; i < refused.Count; i++)
            {
                Assert.That(refused[i].GetProperty("type").GetString(), Is.EqualTo("error"), refused[i].ToString());
                Assert.That(refused[i].GetProperty("code").GetString(), Is.EqualTo("server_busy"), refused[i].ToString());
            }
        });

        // The client's retry with the same ref (as ChatClient does) gets through once storage answers again, within
        // the batch writer's backoff (at most MaxRetryDelay, 2 s, between attempts): no restart.
        JsonElement ack = default;
        for (int attempt = 0; attempt < 240 && ack.ValueKind == JsonValueKind.Undefined; attempt++)
        {
            await alice.SendAsync(new { type = "message", room = StorageEndToEnd.Room, text = "after", @ref = "after" }, ct);
            JsonElement reply = await StorageEndToEnd.ReplyToAsync(alice, "after", ct);
            if (reply.GetProperty("type").GetString() == "ack") ack = reply;
            else
            {
                Assert.That(reply.GetProperty("code").GetString(), Is.EqualTo("server_busy"), reply.ToString());
                await Task.Delay(250, ct);
            }
        }

        Assert.That(ack.ValueKind, Is.EqualTo(JsonValueKind.Object), "stored again within a minute of storage coming back");
        long afterId = ack.GetProperty("id").GetInt64();
        // Members get a room's messages in id order: the next one bob and carol see after "before" is "after", so
        // none of the refused messages was ever broadcast.
        JsonElement bobNext = await bob.SkipToAsync("message", ct);
        JsonElement carolNext = await carol.SkipToAsync("message", ct);
        List<(long Id, string Text)> history = await StorageEndToEnd.ReadHistoryAsync(bob, ct);
        Assert.Multiple(() =>
        {
            Assert.That(server.ProcessId, Is.EqualTo(pid), "the same process throughout");
            Assert.That(bobNext.GetProperty("text").GetString(), Is.EqualTo("after"));
            Assert.That(carolNext.GetProperty("text").GetString(), Is.EqualTo("after"));
            Assert.That(bobNext.GetProperty("id").GetInt64(), Is.EqualTo(afterId));
            Assert.That(history, Is.EqualTo(new[] { (beforeId, "before"), (afterId, "after") }), "only what was acked is stored");
        });
    }
}
