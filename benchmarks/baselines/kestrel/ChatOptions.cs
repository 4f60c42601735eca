namespace KestrelChat;

/// <summary>The "Chat" configuration section.</summary>
public sealed class ChatOptions
{
    /// <summary>HS256 secret for the ?token= JWT (at least 32 bytes).</summary>
    public string JwtSecret { get; set; } = "";

    /// <summary>Development mode: accept ?user=NAME without a token.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Messages kept per room (and per DM pair) for history.</summary>
    public int HistorySize { get; set; } = 100;

    /// <summary>WebSocket keep-alive ping interval.</summary>
    public int HeartbeatMs { get; set; } = 30_000;

    /// <summary>Messages queued per connection before it is dropped as a slow consumer.</summary>
    public int OutboundQueue { get; set; } = 1024;

    /// <summary>Largest client message accepted (PROTOCOL.md §5: 64 KiB).</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;
}
