using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace WsChat.Net.WebSockets;

/// <summary>
/// The XOR masking of RFC 6455 §5.3, vectorised. A mask is the 4 key bytes as read from the wire with
/// a little-endian load (<see cref="FromKey"/>), so byte i of the payload is XORed with byte i % 4 of
/// the key. Each method returns the mask rotated so that its low byte applies to the next payload
/// byte: pass it to the next call when a payload arrives in pieces (TCP segments, pipe segments).
/// </summary>
internal static class Masking
{
    /// <summary>Loads a 4-byte masking key as the uint the other methods take.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint FromKey(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt32LittleEndian(key);

    /// <summary>Stores <paramref name="mask"/> as the 4 key bytes of the wire.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ToKey(uint mask, Span<byte> key) => BinaryPrimitives.WriteUInt32LittleEndian(key, mask);

    /// <summary>The mask to use after <paramref name="count"/> payload bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Rotate(uint mask, long count) => BitOperations.RotateRight(mask, (int)(count & 3) * 8);

    /// <summary>Masks (or unmasks: XOR is its own inverse) <paramref name="data"/> in place.</summary>
    /// <returns>The mask for the byte after <paramref name="data"/>.</returns>
    public static uint Apply(Span<byte> data, uint mask) => Apply(data, data, mask);

    /// <summary>
    /// Writes <paramref name="source"/> XOR mask into <paramref name="destination"/> (which may be the
    /// same memory as the source, but must not otherwise overlap it, and must be at least as long).
    /// </summary>
    /// <returns>The mask for the byte after <paramref name="source"/>.</returns>
    public static uint Apply(ReadOnlySpan<byte> source, Span<byte> destination, uint mask)
    {
        int length = source.Length;
        if (length == 0) return mask;
        if ((uint)destination.Length < (uint)length) ThrowDestinationTooShort();

        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        nuint i = 0;
        nuint n = (nuint)length;

        // The mask repeats every 4 bytes and every vector is a multiple of 4 bytes long, so one
        // broadcast mask vector applies at every vector offset.
        if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<byte>.Count)
        {
            Vector256<byte> m = Vector256.Create(mask).AsByte();
            nuint last = n - (nuint)Vector256<byte>.Count;
            for (; i <= last; i += (nuint)Vector256<byte>.Count)
            {
                (Vector256.LoadUnsafe(ref src, i) ^ m).StoreUnsafe(ref dst, i);
            }
        }

        if (Vector128.IsHardwareAccelerated && n - i >= (nuint)Vector128<byte>.Count)
        {
            Vector128<byte> m = Vector128.Create(mask).AsByte();
            nuint last = n - (nuint)Vector128<byte>.Count;
            for (; i <= last; i += (nuint)Vector128<byte>.Count)
            {
                (Vector128.LoadUnsafe(ref src, i) ^ m).StoreUnsafe(ref dst, i);
            }
        }

        // Scalar tail: 4 bytes at a time, then single bytes (rotating the mask after each).
        for (; n - i >= 4; i += 4)
        {
            uint word = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, i));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i), BitConverter.IsLittleEndian ? word ^ mask : word ^ BinaryPrimitives.ReverseEndianness(mask));
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = (byte)(Unsafe.Add(ref src, i) ^ (byte)mask);
            mask = BitOperations.RotateRight(mask, 8);
        }

        return mask;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowDestinationTooShort() => throw new ArgumentException("The destination is shorter than the source.", "destination");
}
