using System.Net.WebSockets;
using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>
/// PROTOCOL.md §5 "Delivery guarantees" on the real wschat process with a real store (one subclass per store):
/// stopped with SIGTERM or killed with SIGKILL while several clients stream messages, every acked message is in
/// history afterwards under its acked id, nothing is stored twice, ids keep increasing after the restart, and a
/// retry with the same ref gets the original id; on SIGTERM, messages still waiting in the batch writer are
/// committed before the process exits.
/// </summary>
[CancelAfter(240_000), NonParallelizable]
public abstract class DurabilityEndToEndTests
{
    private const int Senders = 4;
    // Each stream is well under way when the server goes: some hundreds of messages in all.
    private const int AcksBeforeInterrupt = 60;
    // After the restart each sender sends its last messages again with their refs, acked or not, as a client
    // that lost its connection would (and as ChatClient does with what it has not seen acked).
    private const int Resent = 30;

    private WsChatProcess? _server;

    /// <summary>Command-line configuration selecting this fixture's store, a fresh one for each test.</summary>
    private protected abstract Task<string[]> StorageArgumentsAsync();

    /// <summary>The room's rows, read from the store directly (not through wschat), oldest first.</summary>
    private protected abstract Task<List<(long Id, string Text)>> ReadRowsAsync(WsChatProcess server);

    [TearDown]
    public async Task StopServerAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _server = null;
    }

    private async Task<WsChatProcess> StartAsync(CancellationToken ct, params string[] extra)
    {
        _server = await StorageEndToEnd.StartAsync(ct, [.. await StorageArgumentsAsync(), .. extra]);
        return _server;
    }

    [Test]
    public Task Restart_SigTermMidStream_EveryAckedMessageInHistoryOnceAndRetriesGetTheirIds(CancellationToken ct) =>
        InterruptedStreamsAsync(kill: false, ct);

    [Test]
    public Task Restart_SigKillMidStream_EveryAckedMessageSurvivesAndRetriesGetTheirIds(CancellationToken ct) =>
        InterruptedStreamsAsync(kill: true, ct);

    private async Task InterruptedStreamsAsync(bool kill, CancellationToken ct)
    {
        WsChatProcess server = await StartAsync(ct);
        var clients = new List<ChatTestClient>();
        try
        {
            var streams = new List<MessageStream>();
            for (int s = 0; s < Senders; s++)
            {
                ChatTestClient client = await StorageEndToEnd.ConnectAsync(server, "u" + s, ct);
                clients.Add(client);
                streams.Add(new MessageStream(client, "u" + s));
            }

            Task[] running = [.. streams.Select(stream => stream.RunAsync(ct))];
            foreach (MessageStream stream in streams) await stream.WaitForAcksAsync(AcksBeforeInterrupt, ct);
            if (kill) server.Kill();
            else await server.StopAsync(TimeSpan.FromSeconds(60));
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(60), ct);

            Assert.Multiple(() =>
            {
                // SIGTERM: the drain said goodbye with 1001 and exited 0 (PROTOCOL.md §5); SIGKILL: no close frame.
                Assert.That(clients.Select(c => c.CloseStatus), Is.All.EqualTo(kill ? null : WebSocketCloseStatus.EndpointUnavailable));
                if (!kill) Assert.That(server.ExitCode, Is.Zero, server.Output);
            });

            await server.StartAgainAsync(ct);
            await using ChatTestClient reader = await StorageEndToEnd.ConnectAsync(server, "reader", ct);
            List<(long Id, string Text)> history = await StorageEndToEnd.ReadHistoryAsync(reader, ct);
            AssertHistoryHoldsEveryAckOnce(streams, history);
            Assert.That(await ReadRowsAsync(server), Is.EqualTo(history), "history paging shows every stored row, once");

            // Retries after the restart: an acked or stored message gets its original id back and no second row; one
            // that was never stored is stored now, after everything older (ids never go back).
            long lastBefore = history.Count > 0 ? history[^1].Id : 0;
            Dictionary<string, long> storedBefore = history.ToDictionary(m => m.Text, m => m.Id);
            int newlyStored = 0;
            foreach (MessageStream stream in streams)
            {
                await using ChatTestClient again = await StorageEndToEnd.ConnectAsync(server, stream.User, ct);
                int from = Math.Max(0, stream.Attempted - Resent);
                for (int i = from; i < stream.Attempted; i++)
                {
                    await again.SendAsync(new { type = "message", room = StorageEndToEnd.Room, text = MessageStream.Text(stream.User, i), @ref = MessageStream.Ref(stream.User, i) }, ct);
                }

                for (int i = from; i < stream.Attempted; i++)
                {
                    JsonElement ack = await StorageEndToEnd.ReplyToAsync(again, MessageStream.Ref(stream.User, i), ct);
                    Assert.That(ack.GetProperty("type").GetString(), Is.EqualTo("ack"), ack.ToString());
                    long id = ack.GetProperty("id").GetInt64();
                    if (storedBefore.TryGetValue(MessageStream.Text(stream.User, i), out long original))
                    {
                        Assert.That(id, Is.EqualTo(original), $"{stream.User} #{i} sent again: the original id");
                    }
                    else
                    {
                        Assert.That(id, Is.GreaterThan(lastBefore), $"{stream.User} #{i} stored after the restart: a new, higher id");
                        newlyStored++;
                    }
                }
            }

            List<(long Id, string Text)> after = await StorageEndToEnd.ReadHistoryAsync(reader, ct);
            Assert.Multiple(async () =>
            {
                Assert.That(after, Has.Count.EqualTo(history.Count + newlyStored), "the retries added a row only for what was never stored");
                Assert.That(after.Take(history.Count), Is.EqualTo(history), "the rows from before the restart are unchanged");
                Assert.That(after.Select(m => m.Id), Is.Ordered.And.Unique);
                Assert.That(after.Select(m => m.Text), Is.Unique, "nothing stored twice");
                Assert.That(await ReadRowsAsync(server), Is.EqualTo(after));
            });
        }
        finally
        {
            foreach (ChatTestClient client in clients) await client.DisposeAsync();
        }
    }

    // Every ack names the id under which the message is in history; ids increase, each message is there once,
    // and each sender's messages are in the order it sent them (one connection, one room: PROTOCOL.md §5).
    private static void AssertHistoryHoldsEveryAckOnce(List<MessageStream> streams, List<(long Id, string Text)> history)
    {
        Dictionary<long, string> byId = history.ToDictionary(m => m.Id, m => m.Text);
        Assert.Multiple(() =>
        {
            Assert.That(history.Select(m => m.Id), Is.Ordered.And.Unique, "ids strictly increasing");
            Assert.That(history.Select(m => m.Text), Is.Unique, "no message stored twice");
            Assert.That(streams.Sum(s => s.Acked.Count), Is.GreaterThanOrEqualTo(Senders * AcksBeforeInterrupt));
            foreach (MessageStream stream in streams)
            {
                foreach ((int i, long id) in stream.Acked)
                {
                    Assert.That(byId.GetValueOrDefault(id), Is.EqualTo(MessageStream.Text(stream.User, i)), $"{stream.User} #{i} acked as {id}");
                }

                int[] order = [.. history.Select(m => m.Text).Where(t => t.StartsWith(stream.User + "-m", StringComparison.Ordinal))
                    .Select(t => int.Parse(t.AsSpan(stream.User.Length + 2), System.Globalization.CultureInfo.InvariantCulture))];
                Assert.That(order, Is.Ordered, $"{stream.User}'s messages in the order sent");
            }
        });
    }

    [Test]
    public async Task Drain_SigTermWhileMessagesWaitInTheBatchWriter_AllCommittedBeforeExit(CancellationToken ct)
    {
        // The batch writer holds each batch for 10 minutes (no one would configure that): when SIGTERM comes, every
        // message below has been submitted to storage and none committed, so only the drain's flush can store them.
        WsChatProcess server = await StartAsync(ct, "--WsChat:Storage:MaxBatchDelayMs=600000");
        const int PerSender = 40;
        var clients = new List<ChatTestClient>();
        try
        {
            for (int s = 0; s < Senders; s++)
            {
                ChatTestClient client = await StorageEndToEnd.ConnectAsync(server, "u" + s, ct);
                clients.Add(client);
                for (int i = 0; i < PerSender; i++)
                {
                    await client.SendAsync(new { type = "message", room = StorageEndToEnd.Room, text = MessageStream.Text("u" + s, i), @ref = MessageStream.Ref("u" + s, i) }, ct);
                }
            }

            while (await StorageEndToEnd.ReadPendingAsync(server, ct) != Senders * PerSender) await Task.Delay(50, ct);
            await server.StopAsync(TimeSpan.FromSeconds(60));
            Assert.That(server.ExitCode, Is.Zero, server.Output);
        }
        finally
        {
            foreach (ChatTestClient client in clients) await client.DisposeAsync();
        }

        await server.StartAgainAsync(ct, "--WsChat:Storage:MaxBatchDelayMs=0");
        await using ChatTestClient reader = await StorageEndToEnd.ConnectAsync(server, "reader", ct);
        List<(long Id, string Text)> history = await StorageEndToEnd.ReadHistoryAsync(reader, ct);
        string[] sent = [.. Enumerable.Range(0, Senders).SelectMany(s => Enumerable.Range(0, PerSender).Select(i => MessageStream.Text("u" + s, i)))];
        Assert.Multiple(async () =>
        {
            Assert.That(history.Select(m => m.Text), Is.EquivalentTo(sent), "every message waiting at the SIGTERM was stored, once");
            Assert.That(history.Select(m => m.Id), Is.Ordered.And.Unique);
            Assert.That(await ReadRowsAsync(server), Is.EqualTo(history));
        });

        // The drain stored them without anyone being acked (the connections were closed first): the clients'
        // retries with the same refs get those ids and store nothing more.
        Dictionary<string, long> ids = history.ToDictionary(m => m.Text, m => m.Id);
        await using ChatTestClient retry = await StorageEndToEnd.ConnectAsync(server, "u0", ct);
        for (int i = 0; i < PerSender; i++)
        {
            await retry.SendAsync(new { type = "message", room = StorageEndToEnd.Room, text = MessageStream.Text("u0", i), @ref = MessageStream.Ref("u0", i) }, ct);
            JsonElement ack = await StorageEndToEnd.ReplyToAsync(retry, MessageStream.Ref("u0", i), ct);
            Assert.That(ack.GetProperty("id").GetInt64(), Is.EqualTo(ids[MessageStream.Text("u0", i)]), ack.ToString());
        }

        Assert.That(await ReadRowsAsync(server), Has.Count.EqualTo(sent.Length));
    }
}
