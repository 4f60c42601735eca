using System.Numerics;
using System.Runtime.Intrinsics;

namespace WsChat.Core.Protocol;

/// <summary>Small UTF-8 helpers for protocol limits, which PROTOCOL.md counts in Unicode code points.</summary>
internal static class Utf8Text
{
    /// <summary>
    /// Number of code points in <paramref name="utf8"/>, which must be valid UTF-8: every byte that is not a
    /// continuation byte (10xxxxxx) starts one code point.
    /// </summary>
    public static int CountCodePoints(ReadOnlySpan<byte> utf8)
    {
        int continuation = 0, i = 0;
        if (Vector128.IsHardwareAccelerated && utf8.Length >= Vector128<sbyte>.Count)
        {
            // Continuation bytes are 0x80..0xBF, i.e. -128..-65 as signed bytes: one compare finds them.
            Vector128<sbyte> bound = Vector128.Create((sbyte)-64);
            ReadOnlySpan<sbyte> signed = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(utf8);
            for (; i <= signed.Length - Vector128<sbyte>.Count; i += Vector128<sbyte>.Count)
            {
                Vector128<sbyte> v = Vector128.Create(signed.Slice(i, Vector128<sbyte>.Count));
                continuation += BitOperations.PopCount(Vector128.LessThan(v, bound).ExtractMostSignificantBits());
            }
        }

        for (; i < utf8.Length; i++)
        {
            if ((utf8[i] & 0xC0) == 0x80) continuation++;
        }

        return utf8.Length - continuation;
    }

    /// <summary>
    /// True when valid UTF-8 <paramref name="utf8"/> has at most <paramref name="max"/> code points. Skips the
    /// count when the byte length alone decides (a code point is 1 to 4 bytes).
    /// </summary>
    public static bool HasAtMostCodePoints(ReadOnlySpan<byte> utf8, int max)
    {
        if (utf8.Length <= max) return true;
        if (utf8.Length > 4L * max) return false;
        return CountCodePoints(utf8) <= max;
    }
}
