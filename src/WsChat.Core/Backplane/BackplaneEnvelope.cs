using System.Buffers.Binary;
using System.Text;

namespace WsChat.Core.Backplane;

/// <summary>What a backplane message carries (the first byte of <see cref="BackplaneEnvelope"/>).</summary>
internal enum EnvelopeKind : byte
{
    /// <summary>A stored room message: id and its wire JSON.</summary>
    Message = 1,
    /// <summary>A room id that will never be stored (refused, or a duplicate retry): receivers stop waiting for it.</summary>
    Void = 2,
    /// <summary>Typing in a room: wire JSON and the typist (not echoed to their connections).</summary>
    Typing = 3,
    /// <summary>A stored DM: id and its wire JSON, on the channel of one of its two users.</summary>
    Dm = 4,
    /// <summary>Presence in a room: wire JSON and the user it is about.</summary>
    Presence = 5,
    /// <summary>A node's number of connections of a user (in the id field), on the user's channel: its other nodes
    /// know the user is on several nodes (the rate limit is then counted in the backplane).</summary>
    Connections = 6,
    /// <summary>A DM pair id that will never be stored, on the channels of both users (the pair key in the user id field).</summary>
    DmVoid = 7,
}

/// <summary>
/// The bytes nodes exchange through the backplane: a small binary header, then the message exactly as the
/// clients receive it (the wire JSON of PROTOCOL.md §4), so a receiving node re-encodes nothing.
/// </summary>
/// <remarks>
/// Layout: kind (1) | node id length (1) | node id (ASCII) | id (8, little-endian) | user id length (2) |
/// user id (UTF-8) | payload (the rest). Decoding never throws: a message that does not parse is dropped.
/// </remarks>
internal readonly ref struct BackplaneEnvelope
{
    private const int FixedSize = 1 + 1 + 8 + 2;

    public EnvelopeKind Kind { get; init; }

    public ReadOnlySpan<byte> Node { get; init; }

    public long Id { get; init; }

    public ReadOnlySpan<byte> UserId { get; init; }

    public ReadOnlySpan<byte> Payload { get; init; }

    /// <summary>One envelope in a new array (the backplane keeps it until it is sent).</summary>
    public static byte[] Encode(EnvelopeKind kind, string node, long id, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> payload)
    {
        int nodeLength = Encoding.ASCII.GetByteCount(node);
        if (nodeLength > byte.MaxValue) throw new ArgumentException("A node id is at most 255 bytes.", nameof(node));
        if (userId.Length > ushort.MaxValue) throw new ArgumentException("A user id is at most 65535 bytes.", nameof(userId));
        byte[] bytes = new byte[FixedSize + nodeLength + userId.Length + payload.Length];
        Span<byte> span = bytes;
        span[0] = (byte)kind;
        span[1] = (byte)nodeLength;
        Encoding.ASCII.GetBytes(node, span.Slice(2, nodeLength));
        int at = 2 + nodeLength;
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], id);
        at += 8;
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)userId.Length);
        at += 2;
        userId.CopyTo(span[at..]);
        payload.CopyTo(span[(at + userId.Length)..]);
        return bytes;
    }

    /// <summary>Parses <paramref name="bytes"/>; false for anything truncated or of an unknown kind.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out BackplaneEnvelope envelope)
    {
        envelope = default;
        if (bytes.Length < FixedSize) return false;
        var kind = (EnvelopeKind)bytes[0];
        if (kind is < EnvelopeKind.Message or > EnvelopeKind.DmVoid) return false;
        int nodeLength = bytes[1];
        if (bytes.Length < FixedSize + nodeLength) return false;
        int at = 2 + nodeLength;
        long id = BinaryPrimitives.ReadInt64LittleEndian(bytes[at..]);
        at += 8;
        int userLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]);
        at += 2;
        if (bytes.Length < at + userLength) return false;
        envelope = new BackplaneEnvelope
        {
            Kind = kind,
            Node = bytes.Slice(2, nodeLength),
            Id = id,
            UserId = bytes.Slice(at, userLength),
            Payload = bytes[(at + userLength)..],
        };
        return true;
    }
}
