using System.Runtime.InteropServices;

namespace WsChat.Net.WebSockets;

/// <summary>What <see cref="WebSocketReader.TryRead"/> yields.</summary>
internal enum WebSocketEventType : byte
{
    /// <summary>Nothing (the default value).</summary>
    None = 0,
    /// <summary>A complete, reassembled text or binary message.</summary>
    Message,
    /// <summary>A ping; answer with a pong carrying <see cref="WebSocketEvent.Payload"/>.</summary>
    Ping,
    /// <summary>A pong.</summary>
    Pong,
    /// <summary>A close frame with a valid code (or none) and a valid UTF-8 reason.</summary>
    Close,
}

/// <summary>
/// One event of a connection's inbound stream. <see cref="Payload"/> is borrowed: it points into the
/// reader's input (unmasked in place) or into the reader's pooled buffer, and is valid only until the
/// next call on the reader and until the input's memory is released (PipeReader.AdvanceTo).
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal readonly struct WebSocketEvent
{
    public WebSocketEvent(WebSocketEventType type, WebSocketOpcode opcode, ReadOnlyMemory<byte> payload, WebSocketCloseCode closeCode = WebSocketCloseCode.None)
    {
        Type = type;
        Opcode = opcode;
        Payload = payload;
        CloseCode = closeCode;
    }

    /// <summary>The kind of event.</summary>
    public WebSocketEventType Type { get; }

    /// <summary>Text or Binary for a message; Ping, Pong or Close for control events.</summary>
    public WebSocketOpcode Opcode { get; }

    /// <summary>The message or ping/pong payload, unmasked; for a close, the UTF-8 reason.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>For a close: the peer's code, or <see cref="WebSocketCloseCode.NoStatusReceived"/> (1005) when it sent none.</summary>
    public WebSocketCloseCode CloseCode { get; }
}
