using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace WsChat.Tests.Support;

/// <summary>
/// A chat client over <see cref="ClientWebSocket"/> (not our framer): a background loop reads every
/// message into a queue the test takes from, and records the close the server sent.
/// </summary>
internal sealed class ChatTestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<JsonElement> _inbox = Channel.CreateUnbounded<JsonElement>();
    private readonly Task _reader;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    private ChatTestClient(ClientWebSocket socket)
    {
        _socket = socket;
        _reader = Task.Run(ReadLoopAsync);
    }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseDescription => _socket.CloseStatusDescription;

    /// <summary>Resolves when the server closed the connection (or it broke).</summary>
    public Task Closed => _reader;

    public static async Task<ChatTestClient> ConnectAsync(Uri uri, CancellationToken ct, string? bearer = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;        // the server's pings are answered by the client anyway
        if (bearer is not null) socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        await socket.ConnectAsync(uri, ct);
        return new ChatTestClient(socket);
    }

    public async Task SendAsync(string json, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task SendAsync(object message, CancellationToken ct) => SendAsync(JsonSerializer.Serialize(message), ct);

    /// <summary>The next message, whatever its type.</summary>
    public async Task<JsonElement> NextAsync(CancellationToken ct)
    {
        if (await _inbox.Reader.WaitToReadAsync(ct) && _inbox.Reader.TryRead(out JsonElement message)) return message;
        throw new InvalidOperationException($"The connection closed ({CloseStatus} {CloseDescription}) with no message left.");
    }

    /// <summary>The next message, which must be of <paramref name="type"/>.</summary>
    public async Task<JsonElement> ExpectAsync(string type, CancellationToken ct)
    {
        JsonElement message = await NextAsync(ct);
        Assert.That(message.GetProperty("type").GetString(), Is.EqualTo(type), message.ToString());
        return message;
    }

    /// <summary>Skips messages until one of <paramref name="type"/>.</summary>
    public async Task<JsonElement> SkipToAsync(string type, CancellationToken ct)
    {
        while (true)
        {
            JsonElement message = await NextAsync(ct);
            if (message.GetProperty("type").GetString() == type) return message;
        }
    }

    /// <summary>True when a received message has not been taken yet (for "nothing else was sent" checks after a
    /// <see cref="DrainAsync"/> round trip, so that they never race).</summary>
    public bool HasPending => _inbox.Reader.Count > 0;

    /// <summary>
    /// Sends <c>list_users</c> of <paramref name="room"/> with <paramref name="marker"/> as ref and returns every
    /// message before its answer (<c>users</c>, or <c>room_not_found</c>). The room's shard answers it after every
    /// command this client sent before to that room, so it is a barrier for that room's replies (a <c>ping</c> is
    /// not: the read path answers it without waiting for any shard).
    /// </summary>
    public async Task<List<JsonElement>> DrainAsync(string marker, CancellationToken ct, string room = "barrier")
    {
        await SendAsync(JsonSerializer.Serialize(new { type = "list_users", room, @ref = marker }), ct);
        var before = new List<JsonElement>();
        while (true)
        {
            JsonElement message = await NextAsync(ct);
            if (message.TryGetProperty("ref", out JsonElement r) && r.GetString() == marker) return before;
            before.Add(message);
        }
    }

    /// <summary>Collects messages of <paramref name="type"/> until there are <paramref name="count"/> (others are kept too).</summary>
    public async Task<List<JsonElement>> CollectAsync(string type, int count, CancellationToken ct)
    {
        var all = new List<JsonElement>();
        int seen = 0;
        while (seen < count)
        {
            JsonElement message = await NextAsync(ct);
            all.Add(message);
            if (message.GetProperty("type").GetString() == type) seen++;
        }

        return all;
    }

    public async Task CloseAsync(CancellationToken ct)
    {
        // CloseOutputAsync, not CloseAsync: CloseAsync receives until the server's close frame, and with the read loop's
        // receive pending too, a message arriving at that moment (a presence) let the two receives race over the
        // stream: one took the close frame, the other met the end of the stream and threw. The read loop sees the
        // server's close reply and ends.
        if (_socket.State == WebSocketState.Open) await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
        await _reader.WaitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        try
        {
            await _reader;
        }
        catch (Exception)
        {
            // an aborted read loop
        }

        _socket.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        byte[] buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                WebSocketReceiveResult result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                Assert.That(result.MessageType, Is.EqualTo(WebSocketMessageType.Text), "the chat sends only text");
                _inbox.Writer.TryWrite(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
                message.SetLength(0);
            }
        }
        catch (WebSocketException)
        {
            // aborted or reset: Closed completes
        }
        finally
        {
            _inbox.Writer.TryComplete();
        }
    }
}
