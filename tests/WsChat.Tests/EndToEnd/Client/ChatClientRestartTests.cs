using System.Collections.Concurrent;
using System.Text.Json;
using WsChat.Core.Client;
using WsChat.Net.WebSockets;
using WsChat.Tests.Core.Client;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Client;

/// <summary>
/// Issue 4's must-show: a <see cref="ChatClient"/> sending a stream of messages while the real wschat process
/// (SQLite, the default store) restarts reconnects by itself, and at the end the messages it delivered and the ids
/// it was acked are exactly the server's history, read back by id by another client: no gap, no duplicate. Once
/// with a graceful restart (SIGTERM: drain, close 1001) and once with a crash (SIGKILL: no close frame).
/// </summary>
[CancelAfter(240_000), NonParallelizable]
public class ChatClientRestartTests
{
    private const string Room = "restart";
    private const int Count = 400;
    private const int AcksBeforeRestart = 120;
    private const int Window = 8;       // messages in flight at once: some are unacknowledged when the server goes

    private static int s_started;       // sends started (diagnostics only)

    [Test]
    public Task Restart_SigTermMidStream_ClientEndsWithExactlyTheServersHistory(CancellationToken ct) => StreamThroughRestartAsync(kill: false, ct);

    [Test]
    public Task Restart_SigKillMidStream_ClientEndsWithExactlyTheServersHistory(CancellationToken ct) => StreamThroughRestartAsync(kill: true, ct);

    private static async Task StreamThroughRestartAsync(bool kill, CancellationToken ct)
    {
        s_started = 0;
        await using WsChatProcess server = await WsChatProcess.StartAsync(ct,
        [
            .. WsChatProcess.DevelopmentArguments,
            // The limits are not the subject: the stream may send as fast as the connection takes it.
            "--WsChat:UserRatePerSecond=100000", "--WsChat:UserRateBurst=100000",
            "--WsChat:ConnectionRatePerSecond=100000", "--WsChat:ConnectionRateBurst=100000",
        ]);
        await using var client = new ChatClient(new ChatClientOptions
        {
            ServerUri = new Uri($"ws://127.0.0.1:{server.Port}/ws"),
            Token = TestTokens.Mint("streamer", "Streamer", secret: WsChatProcess.TestSecret),
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMaxDelay = TimeSpan.FromSeconds(1),
        });
        var events = new ClientEvents(client);
        var acks = new ConcurrentDictionary<int, long>();
        int inFlightAtLoss = -1;
        client.StateChanged += (_, change) =>
        {
            // Raised on the client's loop as the loss is seen: what was sent and not yet acked is resent later.
            if (change.Current == ChatConnectionState.Reconnecting && inFlightAtLoss < 0) inFlightAtLoss = Volatile.Read(ref s_started) - acks.Count;
        };
        await client.ConnectAsync(ct);
        await client.JoinAsync(Room, ct);

        var enoughAcks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task stream = StreamAsync(client, acks, enoughAcks, ct);
        await enoughAcks.Task.WaitAsync(ct);
        if (kill) server.Kill();
        else await server.StopAsync(TimeSpan.FromSeconds(60));
        await server.StartAgainAsync(ct);
        await stream.WaitAsync(TimeSpan.FromSeconds(120), ct);

        // The last ack may overtake its own message event (both come from the server; the ack is the reply).
        long newest = acks.Values.Max();
        await events.WaitUntilAsync(e => e.IdsIn(Room).LastOrDefault() == newest, ct);
        List<(long Id, string Text)> history = await ReadHistoryAsync(server, ct);
        List<long> delivered = events.IdsIn(Room);
        TestContext.Out.WriteLine($"{(kill ? "SIGKILL" : "SIGTERM")}: about {inFlightAtLoss} messages in flight when the connection was lost; {events.States.Count(s => s.Current == ChatConnectionState.Reconnecting)} loss(es); {events.Joined.Count(j => j.IsRejoin)} rejoin(s)");

        Assert.Multiple(() =>
        {
            ChatConnectionStateChange lost = events.States.First(s => s.Current == ChatConnectionState.Reconnecting);
            Assert.That(lost.CloseCode, Is.EqualTo(kill ? WebSocketCloseCode.AbnormalClosure : WebSocketCloseCode.GoingAway), "SIGKILL sends no close frame; SIGTERM drains with 1001");
            Assert.That(client.State, Is.EqualTo(ChatConnectionState.Connected), "reconnected by itself");
            Assert.That(history.Select(m => m.Text), Is.EquivalentTo(Enumerable.Range(0, Count).Select(i => "m" + i)), "every message stored exactly once");
            Assert.That(delivered, Is.EqualTo(history.Select(m => m.Id)), "delivered = history by id: no gap, no duplicate, in order");
            Assert.That(acks.Values.Order(), Is.EqualTo(history.Select(m => m.Id)), "one ack per stored message, each a stored id");
            Assert.That(acks.Select(a => (a.Value, "m" + a.Key)).OrderBy(a => a.Value), Is.EqualTo(history), "each ack is its own message's id");
        });
    }

    // Sends m0..m{Count-1}, at most Window at a time. server_busy (a draining server refuses what it cannot store)
    // is retried with the same ref, as ChatServerException's docs advise.
    private static async Task StreamAsync(ChatClient client, ConcurrentDictionary<int, long> acks, TaskCompletionSource enoughAcks, CancellationToken ct)
    {
        using var window = new SemaphoreSlim(Window);
        var sends = new List<Task>();
        for (int i = 0; i < Count; i++)
        {
            await window.WaitAsync(ct);
            Interlocked.Increment(ref s_started);
            int n = i;
            sends.Add(Task.Run(async () =>
            {
                try
                {
                    string? retryRef = null;
                    while (true)
                    {
                        try
                        {
                            acks[n] = retryRef is null
                                ? await client.SendAsync(Room, "m" + n, ct)
                                : await client.SendAsync(Room, "m" + n, retryRef, ct);
                            break;
                        }
                        catch (ChatServerException e) when (e.Code == ChatErrorCode.ServerBusy)
                        {
                            retryRef = e.Error.Ref;
                            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
                        }
                    }

                    if (acks.Count >= AcksBeforeRestart) enoughAcks.TrySetResult();
                }
                finally
                {
                    window.Release();
                }
            }, ct));
        }

        await Task.WhenAll(sends);
    }

    // The server's history of the room, by another connection (not the client under test), oldest first.
    private static async Task<List<(long Id, string Text)>> ReadHistoryAsync(WsChatProcess server, CancellationToken ct)
    {
        string token = TestTokens.Mint("auditor", secret: WsChatProcess.TestSecret);
        await using ChatTestClient reader = await ChatTestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws?token={token}"), ct);
        await reader.ExpectAsync("welcome", ct);
        var all = new List<(long Id, string Text)>();
        long? before = null;
        for (int page = 0; ; page++)
        {
            string reference = "page-" + page;
            await reader.SendAsync(before is null
                ? new { type = "history", room = Room, limit = 100, @ref = reference }
                : (object)new { type = "history", room = Room, limit = 100, before, @ref = reference }, ct);
            JsonElement reply = await reader.SkipToAsync("history", ct);
            Assert.That(reply.GetProperty("ref").GetString(), Is.EqualTo(reference));
            List<(long, string)> messages = [.. reply.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("id").GetInt64(), m.GetProperty("text").GetString()!))];
            all.InsertRange(0, messages);
            if (!reply.GetProperty("has_more").GetBoolean() || messages.Count == 0) return all;
            before = messages[0].Item1;
        }
    }
}
