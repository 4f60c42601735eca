using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Unicode;

namespace WsChat.Net.WebSockets;

/// <summary>
/// Incremental UTF-8 validation for text messages that arrive in pieces (fragments, TCP segments):
/// a code point may straddle any split (RFC 6455 §8.1). Fails fast: <see cref="TryAppend"/> returns
/// false as soon as the bytes seen so far cannot be the start of valid UTF-8 (overlong forms,
/// surrogates D800-DFFF, code points past U+10FFFF, stray continuation bytes, C0/C1/F5-FF), which is
/// what Autobahn|Testsuite case 6.4.x checks. At the end of a message, <see cref="IsComplete"/> tells
/// whether a code point is left unfinished (invalid too).
/// </summary>
/// <remarks>
/// 1 byte of state. Complete runs of code points go through <see cref="Utf8.IsValid"/> (vectorised,
/// with an ASCII fast path); only the at most 3 bytes around a split go through the byte-at-a-time
/// automaton below, whose states remember exactly which continuation bytes are still allowed.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
internal struct Utf8Validator
{
    // Automaton states. Accept: between code points. NeedN: N continuation bytes (80-BF) still to come.
    // AfterE0/ED/F0/F4: the second byte has a narrower range (no overlongs, no surrogates, ≤ U+10FFFF).
    private const byte Accept = 0;
    private const byte Need1 = 1;
    private const byte Need2 = 2;
    private const byte Need3 = 3;
    private const byte AfterE0 = 4;   // next A0-BF (80-9F would be an overlong 3-byte form)
    private const byte AfterED = 5;   // next 80-9F (A0-BF would encode a surrogate D800-DFFF)
    private const byte AfterF0 = 6;   // next 90-BF (80-8F would be an overlong 4-byte form)
    private const byte AfterF4 = 7;   // next 80-8F (90-BF would be past U+10FFFF)
    private const byte Reject = 8;

    private byte _state;

    /// <summary>True when no code point is open: the bytes so far are complete, valid UTF-8.</summary>
    public readonly bool IsComplete => _state == Accept;

    /// <summary>True once invalid bytes were seen; the validator stays failed until <see cref="Reset"/>.</summary>
    public readonly bool HasFailed => _state == Reject;

    /// <summary>Forgets all state, for the next message.</summary>
    public void Reset() => _state = Accept;

    /// <summary>Validates the next bytes of the text. Returns false as soon as the text cannot be valid.</summary>
    public bool TryAppend(ReadOnlySpan<byte> bytes)
    {
        byte state = _state;
        int i = 0;

        // Finish a code point begun in an earlier piece.
        while (state != Accept)
        {
            if (state == Reject)
            {
                _state = Reject;
                return false;
            }

            if (i == bytes.Length)
            {
                _state = state;
                return true;
            }

            state = Next(state, bytes[i++]);
        }

        ReadOnlySpan<byte> rest = bytes[i..];
        int cut = IncompleteTailStart(rest);
        if (!Utf8.IsValid(rest[..cut]))
        {
            _state = Reject;
            return false;
        }

        for (int j = cut; j < rest.Length; j++)
        {
            state = Next(state, rest[j]);
            if (state == Reject) break;
        }

        _state = state;
        return state != Reject;
    }

    /// <summary>Validates one whole text (for example a close reason, or a message in one frame).</summary>
    public static bool IsValid(ReadOnlySpan<byte> text) => Utf8.IsValid(text);

    // Where a multi-byte sequence that the piece cuts short begins (so that the complete part before it
    // can be validated in bulk), or rest.Length when the piece ends on a boundary or is invalid anyway.
    private static int IncompleteTailStart(ReadOnlySpan<byte> rest)
    {
        int length = rest.Length;
        int k = length - 1;
        int stop = Math.Max(0, length - 4);
        while (k >= stop && (rest[k] & 0xC0) == 0x80) k--;
        if (k < stop) return length;
        byte lead = rest[k];
        int sequenceLength = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF8 ? 4 : 1;
        return k + sequenceLength > length ? k : length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Next(byte state, byte b)
    {
        switch (state)
        {
            case Accept:
                return b switch
                {
                    < 0x80 => Accept,
                    < 0xC2 => Reject,        // 80-BF stray continuation, C0-C1 overlong 2-byte lead
                    < 0xE0 => Need1,
                    0xE0 => AfterE0,
                    0xED => AfterED,
                    < 0xF0 => Need2,
                    0xF0 => AfterF0,
                    < 0xF4 => Need3,
                    0xF4 => AfterF4,
                    _ => Reject,             // F5-FF can only start code points past U+10FFFF
                };
            case Need1:
            case Need2:
            case Need3:
                return (b & 0xC0) == 0x80 ? (byte)(state - 1) : Reject;
            case AfterE0:
                return b is >= 0xA0 and <= 0xBF ? Need1 : Reject;
            case AfterED:
                return b is >= 0x80 and <= 0x9F ? Need1 : Reject;
            case AfterF0:
                return b is >= 0x90 and <= 0xBF ? Need2 : Reject;
            case AfterF4:
                return b is >= 0x80 and <= 0x8F ? Need2 : Reject;
            default:
                return Reject;
        }
    }
}
