using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>What the storage end-to-end fixtures share: starting wschat with a store, joining, reading history.</summary>
internal static class StorageEndToEnd
{
    /// <summary>The room every storage end-to-end test talks in.</summary>
    public const string Room = "durable";

    /// <summary>
    /// Starts the real wschat process with <paramref name="storage"/> (its <c>WsChat:Storage</c> arguments).
    /// The rate limits are lifted: streams below send as fast as the connection takes them, and the limits are
    /// not what these tests are about.
    /// </summary>
    public static Task<WsChatProcess> StartAsync(CancellationToken ct, IEnumerable<string> storage) => WsChatProcess.StartAsync(ct,
    [
        "--WsChat:JwtSecret=" + TestTokens.Secret,
        "--WsChat:UserRatePerSecond=100000", "--WsChat:UserRateBurst=100000",
        "--WsChat:ConnectionRatePerSecond=100000", "--WsChat:ConnectionRateBurst=100000",
        .. storage,
    ]);

    /// <summary>Connects as <paramref name="user"/> and joins <see cref="Room"/>.</summary>
    public static async Task<ChatTestClient> ConnectAsync(WsChatProcess server, string user, CancellationToken ct)
    {
        string token = TestTokens.Mint(user, "name-" + user, DateTimeOffset.UtcNow.AddHours(1));
        ChatTestClient client = await ChatTestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws?token={token}"), ct);
        await client.ExpectAsync("welcome", ct);
        await client.SendAsync(new { type = "join", room = Room }, ct);
        await client.SkipToAsync("joined", ct);
        return client;
    }

    /// <summary>The reply to the command sent with <paramref name="reference"/> (an ack or an error); skips the rest.</summary>
    public static async Task<JsonElement> ReplyToAsync(ChatTestClient client, string reference, CancellationToken ct)
    {
        while (true)
        {
            JsonElement message = await client.NextAsync(ct);
            if (message.TryGetProperty("ref", out JsonElement r) && r.GetString() == reference) return message;
        }
    }

    /// <summary>
    /// The whole room, oldest first, as the protocol gives it: the newest page, then older pages with
    /// <c>before</c> = the oldest id seen (PROTOCOL.md §3 <c>history</c>), until <c>has_more</c> is false.
    /// </summary>
    public static async Task<List<(long Id, string Text)>> ReadHistoryAsync(ChatTestClient client, CancellationToken ct)
    {
        var all = new List<(long Id, string Text)>();
        long? before = null;
        for (int page = 0; ; page++)
        {
            string reference = "history-" + page;
            await client.SendAsync(before is null
                ? new { type = "history", room = Room, limit = 100, @ref = reference }
                : (object)new { type = "history", room = Room, limit = 100, before, @ref = reference }, ct);
            JsonElement history = await ReplyToAsync(client, reference, ct);
            Assert.That(history.GetProperty("type").GetString(), Is.EqualTo("history"), history.ToString());
            List<(long, string)> messages = [.. history.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("id").GetInt64(), m.GetProperty("text").GetString()!))];
            all.InsertRange(0, messages);
            if (!history.GetProperty("has_more").GetBoolean() || messages.Count == 0) return all;
            before = messages[0].Item1;
        }
    }

    /// <summary><c>/stats</c> <c>storage.pending</c>: messages submitted to storage and not yet committed.</summary>
    public static async Task<long> ReadPendingAsync(WsChatProcess server, CancellationToken ct)
    {
        using var http = new HttpClient();
        using JsonDocument stats = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "/stats"), ct));
        return stats.RootElement.GetProperty("storage").GetProperty("pending").GetInt64();
    }
}
