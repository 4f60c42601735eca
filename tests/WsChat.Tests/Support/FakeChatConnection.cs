using System.Text;
using System.Text.Json;
using WsChat.Core.Ports;
using WsChat.Net.Buffers;
using WsChat.Net.WebSockets;

namespace WsChat.Tests.Support;

/// <summary>
/// An <see cref="IChatConnection"/> without a socket: it decodes every frame it is given into a
/// JSON document the test can inspect, releases the frame (as a transport does once sent) and
/// records the close. <see cref="Refuse"/> makes it act like a connection over its outbound bound.
/// </summary>
internal sealed class FakeChatConnection(long id) : IChatConnection
{
    private readonly List<JsonElement> _received = [];
    private readonly Lock _lock = new();

    public long Id { get; } = id;

    /// <summary>When true, <see cref="TrySend"/> refuses (a slow consumer).</summary>
    public bool Refuse { get; set; }

    /// <summary>When false, frames are released without being decoded (allocation tests).</summary>
    public bool Record { get; set; } = true;

    public int Sent { get; private set; }

    public WebSocketCloseCode? CloseCode { get; private set; }

    public string? CloseReason { get; private set; }

    public bool TrySend(SharedFrame frame)
    {
        try
        {
            if (Refuse || CloseCode is not null) return false;
            // Not Assert.That: it allocates, and the allocation tests count every byte.
            if (!frame.IsSealed) throw new InvalidOperationException("frames are sealed before they are queued");
            Sent++;
            if (Record)
            {
                string json = Encoding.UTF8.GetString(frame.Payload);
                lock (_lock) _received.Add(JsonDocument.Parse(json).RootElement.Clone());
            }

            return true;
        }
        finally
        {
            frame.Release();
        }
    }

    public void Close(WebSocketCloseCode code, string reason)
    {
        if (CloseCode is not null) return;
        CloseCode = code;
        CloseReason = reason;
    }

    /// <summary>Every message received so far, oldest first.</summary>
    public IReadOnlyList<JsonElement> Received
    {
        get
        {
            lock (_lock) return [.. _received];
        }
    }

    /// <summary>The received messages of one type.</summary>
    public List<JsonElement> OfType(string type) => Received.Where(m => m.GetProperty("type").GetString() == type).ToList();

    /// <summary>Removes and returns what was received so far.</summary>
    public List<JsonElement> Take()
    {
        lock (_lock)
        {
            List<JsonElement> all = [.. _received];
            _received.Clear();
            return all;
        }
    }

    /// <summary>The only message received since the last <see cref="Take"/>; fails otherwise.</summary>
    public JsonElement Single()
    {
        List<JsonElement> all = Take();
        Assert.That(all, Has.Count.EqualTo(1), () => "expected one message, got: " + string.Join(" | ", all));
        return all[0];
    }
}
