using System.Collections.Concurrent;
using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Chat;

/// <summary>
/// Many senders at once over real sockets: 8 rooms on 2 shards, 120 clients, 3,000 messages, 45,000
/// deliveries. Every member of a room must receive every message of that room exactly once, in one
/// order (ids 1..N with no gap), the same order for every member.
/// </summary>
[CancelAfter(120_000)]
public class ChatConcurrencyTests
{
    private const int Rooms = 8;
    private const int ClientsPerRoom = 15;
    private const int MessagesPerClient = 25;     // within the per-user burst (40): no rate limiting involved

    [Test]
    public async Task ManySendersManyRooms_NothingLostNothingDuplicated_OneOrderPerRoom(CancellationToken ct)
    {
        await using ChatTestServer server = await ChatTestServer.StartAsync();
        var clients = new List<(ChatTestClient Client, string Room, string User)>();
        try
        {
            for (int r = 0; r < Rooms; r++)
            {
                for (int c = 0; c < ClientsPerRoom; c++)
                {
                    string user = $"r{r}c{c}";
                    clients.Add((await server.ConnectAsync(user, null, ct), "room" + r, user));
                }
            }

            await Task.WhenAll(clients.Select(async x =>
            {
                await x.Client.SendAsync(new { type = "join", room = x.Room }, ct);
                await x.Client.SkipToAsync("joined", ct);
            }));

            // Everyone sends at once.
            await Task.WhenAll(clients.Select(x => Task.Run(async () =>
            {
                for (int i = 0; i < MessagesPerClient; i++) await x.Client.SendAsync(new { type = "message", room = x.Room, text = $"{x.User}:{i}" }, ct);
            }, ct)));

            const int perRoom = ClientsPerRoom * MessagesPerClient;
            var views = new ConcurrentDictionary<string, ConcurrentBag<List<(long Id, string Text)>>>();
            await Task.WhenAll(clients.Select(async x =>
            {
                List<JsonElement> got = await x.Client.CollectAsync("message", perRoom, ct);
                List<(long, string)> view = got.Where(m => m.GetProperty("type").GetString() == "message")
                    .Select(m => (m.GetProperty("id").GetInt64(), m.GetProperty("text").GetString()!)).ToList();
                Assert.That(got.All(m => m.GetProperty("type").GetString() is "message" or "presence"), Is.True, "no errors");
                views.GetOrAdd(x.Room, _ => []).Add(view);
            }));

            foreach ((string room, ConcurrentBag<List<(long Id, string Text)>> roomViews) in views)
            {
                List<(long Id, string Text)> first = roomViews.First();
                Assert.That(first.Select(v => v.Id), Is.EqualTo(Enumerable.Range(1, perRoom).Select(i => (long)i)), $"{room}: ids 1..{perRoom}, no gap, no repeat");
                string[] expected = Enumerable.Range(0, ClientsPerRoom).SelectMany(c => Enumerable.Range(0, MessagesPerClient).Select(i => $"r{room[4..]}c{c}:{i}")).Order().ToArray();
                Assert.That(first.Select(v => v.Text).Order().ToArray(), Is.EqualTo(expected), $"{room}: every message once");
                foreach (List<(long Id, string Text)> view in roomViews) Assert.That(view, Is.EqualTo(first), $"{room}: one order for every member");

                // Each sender's own messages keep the order it sent them in.
                foreach (IGrouping<string, (long Id, string Text)> bySender in first.GroupBy(v => v.Text.Split(':')[0]))
                {
                    Assert.That(bySender.Select(v => int.Parse(v.Text.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)), Is.Ordered);
                }
            }

            Assert.That(views, Has.Count.EqualTo(Rooms));
        }
        finally
        {
            foreach ((ChatTestClient client, _, _) in clients) await client.DisposeAsync();
        }
    }
}
