namespace WsChat.Net.Transport;

/// <summary>Limits of one WebSocket endpoint (<see cref="WebSocketServer.MapWebSocket"/>). Init-only; read once
/// when the endpoint is mapped.</summary>
public sealed class WebSocketEndpointOptions
{
    /// <summary>Largest message after reassembly of its fragments. Default 64 KiB (PROTOCOL.md §5, <c>/ws</c>);
    /// past it the connection is closed with 1009. <c>/echo</c> uses 16 MiB.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024;

    /// <summary>Most frames in one fragmented message. Default 1024 (PROTOCOL.md §5): bounds the work a client can
    /// cause with endless empty fragments; past it 1009.</summary>
    public int MaxFramesPerMessage { get; init; } = 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 125);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFramesPerMessage, 1);
    }
}
