using WsChat.Core.Client;

namespace WsChat.Tests.Docs;

/// <summary>
/// The usage example of docs/client.md, compiled and run (ClientDocsTests): the lines between the markers are
/// the ones in the document, character for character.
/// </summary>
internal static class ClientUsageExample
{
    public static async Task<long> RunAsync(Uri serverUri, Func<CancellationToken, ValueTask<string>> getToken, TextWriter output, CancellationToken ct)
    {
        // begin docs/client.md
        await using var client = new ChatClient(new ChatClientOptions
        {
            ServerUri = serverUri,          // e.g. ws://127.0.0.1:8080/ws
            TokenProvider = getToken,       // asked before each connection and before the token expires
        });
        client.MessageReceived += (_, m) => output.WriteLine($"[{m.Room}] #{m.Id} {m.From}: {m.Text}");
        client.StateChanged += (_, s) => output.WriteLine($"connection: {s.Previous} -> {s.Current}");
        client.RecoveryGap += (_, gap) => output.WriteLine($"{gap.Room}: messages after #{gap.LastSeenId} may be missing");

        await client.ConnectAsync(ct);      // retries until connected; throws ChatClientClosedException if refused for good
        ChatJoined joined = await client.JoinAsync("general", ct);
        output.WriteLine($"{joined.Members.Count} member(s) in {joined.Room}");
        ChatHistoryPage<ChatMessage> recent = await client.HistoryAsync("general", limit: 20, cancellationToken: ct);
        foreach (ChatMessage m in recent.Messages) output.WriteLine($"(earlier) #{m.Id} {m.From}: {m.Text}");

        long id;
        try
        {
            id = await client.SendAsync("general", "Hello!", ct);     // the stored id; resent by itself after a reconnect
        }
        catch (ChatServerException e) when (e.Code is ChatErrorCode.RateLimited or ChatErrorCode.ServerBusy)
        {
            await Task.Delay(e.RetryAfter ?? TimeSpan.FromSeconds(1), ct);
            id = await client.SendAsync("general", "Hello!", e.Error.Ref!, ct);   // same ref: stored once
        }
        // end docs/client.md
        return id;
    }
}
