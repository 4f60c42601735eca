using System.Buffers;
using System.Globalization;

namespace WsChat.Tests.Support;

/// <summary>
/// Feeds parser input the three ways the brief requires: whole, split into two segments at every
/// index, and one byte per segment. Every sequence is built on fresh arrays (parsers such as the
/// WebSocket reader unmask in place), so a test may mutate what it is given.
/// </summary>
/// <example>
/// <code>
/// [TestCaseSource(typeof(Segmentations), nameof(Segmentations.Of), new object[] { "81 05 48 65 6c 6c 6f" })]
/// public void Reader_Frame_Parses(ReadOnlySequence&lt;byte&gt; input) { ... }
///
/// foreach ((string name, ReadOnlySequence&lt;byte&gt; input) in Segmentations.All(bytes)) { ... }
/// </code>
/// </example>
public static class Segmentations
{
    /// <summary>Test cases (whole, split@i, bytewise) for bytes written as hex ("81 85 37 fa", spaces optional).</summary>
    public static IEnumerable<TestCaseData> Of(string hex) => Cases(Hex(hex));

    /// <summary>Test cases for ASCII/UTF-8 text (HTTP heads); "\r\n" as written in C#.</summary>
    public static IEnumerable<TestCaseData> OfText(string text) => Cases(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Test cases for arbitrary bytes.</summary>
    public static IEnumerable<TestCaseData> Cases(byte[] bytes)
    {
        foreach ((string name, ReadOnlySequence<byte> sequence) in All(bytes))
        {
            yield return new TestCaseData(sequence).SetArgDisplayNames(name);
        }
    }

    /// <summary>Whole, then split at every index 1..n-1, then one byte per segment (for n ≥ 2).</summary>
    public static IEnumerable<(string Name, ReadOnlySequence<byte> Sequence)> All(byte[] bytes)
    {
        yield return ("whole", Whole(bytes));
        for (int i = 1; i < bytes.Length; i++)
        {
            yield return ($"split@{i}", Split(bytes, i));
        }

        if (bytes.Length > 2) yield return ("bytewise", ByteWise(bytes));
    }

    /// <summary>One segment (a fresh copy).</summary>
    public static ReadOnlySequence<byte> Whole(ReadOnlySpan<byte> bytes) => new(bytes.ToArray());

    /// <summary>Two segments: [0, index) and [index, n).</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlySpan<byte> bytes, int index) =>
        FromSegments(bytes[..index].ToArray(), bytes[index..].ToArray());

    /// <summary>One byte per segment.</summary>
    public static ReadOnlySequence<byte> ByteWise(ReadOnlySpan<byte> bytes)
    {
        var segments = new byte[bytes.Length][];
        for (int i = 0; i < bytes.Length; i++) segments[i] = [bytes[i]];
        return FromSegments(segments);
    }

    /// <summary>A sequence over the given arrays, in order (not copied; empty arrays allowed).</summary>
    public static ReadOnlySequence<byte> FromSegments(params byte[][] segments)
    {
        if (segments.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(segments[0], 0);
        Segment last = first;
        for (int i = 1; i < segments.Length; i++) last = last.Append(segments[i]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Parses hex ("81 85 37fa", whitespace ignored).</summary>
    public static byte[] Hex(string hex)
    {
        string digits = string.Concat(hex.Where(c => !char.IsWhiteSpace(c)));
        if (digits.Length % 2 != 0) throw new ArgumentException("Odd number of hex digits.", nameof(hex));
        var bytes = new byte[digits.Length / 2];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = byte.Parse(digits.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return bytes;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
