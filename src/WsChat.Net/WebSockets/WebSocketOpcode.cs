namespace WsChat.Net.WebSockets;

/// <summary>The frame opcodes of RFC 6455 §5.2. Values are the wire values.</summary>
public enum WebSocketOpcode : byte
{
    /// <summary>A continuation of a fragmented message.</summary>
    Continuation = 0x0,
    /// <summary>A UTF-8 text message (or its first fragment).</summary>
    Text = 0x1,
    /// <summary>A binary message (or its first fragment).</summary>
    Binary = 0x2,
    /// <summary>A close frame: optional 2-byte code and UTF-8 reason.</summary>
    Close = 0x8,
    /// <summary>A ping; the peer answers with a pong carrying the same payload.</summary>
    Ping = 0x9,
    /// <summary>A pong.</summary>
    Pong = 0xA,
}
