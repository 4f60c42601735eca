using System.Text;

namespace WsChat.Core.Shards;

/// <summary>
/// The stable hash that places a room, a user or a DM pair on a shard: FNV-1a (32-bit) over the
/// UTF-8 bytes of the name.
/// </summary>
/// <remarks>
/// <see cref="string.GetHashCode()"/> is randomised per process, so two nodes (or two runs) would
/// disagree about which shard owns a name; FNV-1a over UTF-8 is the same everywhere, costs ~1 ns
/// per byte on names of at most a few dozen bytes, and needs no package.
/// </remarks>
internal static class ShardHash
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>FNV-1a of <paramref name="utf8"/>.</summary>
    public static uint Of(ReadOnlySpan<byte> utf8) => Append(OffsetBasis, utf8);

    /// <summary>FNV-1a of the UTF-8 encoding of <paramref name="name"/>, without allocating.</summary>
    public static uint Of(string name)
    {
        uint hash = OffsetBasis;
        Span<byte> scratch = stackalloc byte[256];
        ReadOnlySpan<char> rest = name;
        while (!rest.IsEmpty)
        {
            // 64 chars encode to at most 192 bytes: each chunk fits the scratch buffer.
            int take = Math.Min(rest.Length, 64);
            if (take < rest.Length && char.IsHighSurrogate(rest[take - 1])) take--;
            int written = Encoding.UTF8.GetBytes(rest[..take], scratch);
            hash = Append(hash, scratch[..written]);
            rest = rest[take..];
        }

        return hash;
    }

    /// <summary>
    /// The hash of an unordered DM pair: the two user ids in ordinal byte order, each preceded by
    /// its length so that ("ab","c") and ("a","bc") differ.
    /// </summary>
    public static uint OfPair(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.SequenceCompareTo(b) > 0)
        {
            ReadOnlySpan<byte> t = a;
            a = b;
            b = t;
        }

        Span<byte> length = stackalloc byte[4];
        uint hash = OffsetBasis;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, a.Length);
        hash = Append(hash, length);
        hash = Append(hash, a);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, b.Length);
        hash = Append(hash, length);
        return Append(hash, b);
    }

    /// <summary>The shard index of <paramref name="hash"/> among <paramref name="shardCount"/> shards.</summary>
    public static int ShardOf(uint hash, int shardCount) => (int)(hash % (uint)shardCount);

    private static uint Append(uint hash, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            hash ^= b;
            hash *= Prime;
        }

        return hash;
    }
}
