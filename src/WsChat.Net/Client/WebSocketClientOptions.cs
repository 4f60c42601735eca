using System.Net;

namespace WsChat.Net.Client;

/// <summary>Settings of a <see cref="WebSocketClient"/>. Init-only; one instance may be shared by many clients.</summary>
public sealed class WebSocketClientOptions
{
    /// <summary>Local address to bind before connecting (null = the OS picks). A load generator spreads its
    /// connections over 127.0.0.2, 127.0.0.3, … to get past the ~28,000 ephemeral ports of one source address.</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>Extra request headers, e.g. <c>("Authorization", "Bearer …")</c> or <c>("Origin", …)</c>. Default none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Largest message accepted from the server. Default 16 MiB; past it the client closes with 1009.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Most frames per message. Default 65,536.</summary>
    public int MaxFramesPerMessage { get; init; } = 65_536;

    /// <summary>How long <see cref="WebSocketClient.CloseAsync"/> waits for the server's close frame and TCP close.
    /// Default 5 s (PROTOCOL.md §5).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest HTTP response head accepted during the handshake. Default 16 KiB.</summary>
    public int MaxResponseHeadBytes { get; init; } = 16 * 1024;
}
