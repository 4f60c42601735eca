using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>
/// One user's stream of room messages: text <c>{user}-m{i}</c> with ref <c>{user}-r{i}</c> for i = 0, 1, …,
/// in bursts of 20 then 5 ms (a steady stream, not one burst), until the connection ends. Records every ack.
/// </summary>
internal sealed class MessageStream(ChatTestClient client, string user)
{
    private int _attempted;

    public string User { get; } = user;

    /// <summary>Acked ids by message index.</summary>
    public ConcurrentDictionary<int, long> Acked { get; } = new();

    /// <summary>Messages handed to the socket, the last of which may or may not have reached the server.</summary>
    public int Attempted => Volatile.Read(ref _attempted);

    public static string Text(string user, int i) => $"{user}-m{i}";

    public static string Ref(string user, int i) => $"{user}-r{i}";

    /// <summary>Sends until the server closes or drops the connection; returns once the last reply was read.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        Task reader = Task.Run(async () =>
        {
            string prefix = User + "-r";
            try
            {
                while (true)
                {
                    JsonElement m = await client.NextAsync(ct);
                    if (m.GetProperty("type").GetString() == "ack" && m.GetProperty("ref").GetString() is { } r && r.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        Acked[int.Parse(r.AsSpan(prefix.Length), System.Globalization.CultureInfo.InvariantCulture)] = m.GetProperty("id").GetInt64();
                    }
                }
            }
            catch (InvalidOperationException)
            {
                // The connection ended: no more replies.
            }
        }, ct);
        try
        {
            for (int i = 0; !client.Closed.IsCompleted; i++)
            {
                Interlocked.Increment(ref _attempted);
                await client.SendAsync(new { type = "message", room = StorageEndToEnd.Room, text = Text(User, i), @ref = Ref(User, i) }, ct);
                if (i % 20 == 19) await Task.Delay(5, ct);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or InvalidOperationException or ObjectDisposedException or IOException
            || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // The server went away mid-send. A SIGKILL can reset the socket under a send in progress: ClientWebSocket
            // then aborts and reports it as a cancelled operation (inner IOException "Connection reset by peer").
        }

        await reader;
    }

    /// <summary>Waits until at least <paramref name="count"/> messages are acked.</summary>
    public async Task WaitForAcksAsync(int count, CancellationToken ct)
    {
        while (Acked.Count < count) await Task.Delay(20, ct);
    }
}
