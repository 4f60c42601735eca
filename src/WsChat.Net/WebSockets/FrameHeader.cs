using System.Runtime.InteropServices;

namespace WsChat.Net.WebSockets;

/// <summary>A parsed frame header (RFC 6455 §5.2).</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly struct FrameHeader
{
    public FrameHeader(bool fin, WebSocketOpcode opcode, bool masked, uint mask, long payloadLength, int headerLength)
    {
        Fin = fin;
        Opcode = opcode;
        Masked = masked;
        Mask = mask;
        PayloadLength = payloadLength;
        HeaderLength = headerLength;
    }

    /// <summary>FIN: the last frame of a message.</summary>
    public bool Fin { get; }

    /// <summary>The opcode; one of the six RFC 6455 defines (others fail the parse).</summary>
    public WebSocketOpcode Opcode { get; }

    /// <summary>True when a masking key follows the length.</summary>
    public bool Masked { get; }

    /// <summary>The masking key as a little-endian uint (see <see cref="Masking"/>); 0 when unmasked.</summary>
    public uint Mask { get; }

    /// <summary>Payload length, 0..2^63-1.</summary>
    public long PayloadLength { get; }

    /// <summary>Header size in bytes: 2, + 2 or 8 for an extended length, + 4 for a mask (2..14).</summary>
    public int HeaderLength { get; }

    /// <summary>True for close, ping and pong (opcodes 0x8-0xF).</summary>
    public bool IsControl => ((byte)Opcode & 0x8) != 0;
}
