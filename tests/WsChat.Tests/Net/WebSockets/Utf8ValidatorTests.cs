using System.Text;
using System.Text.Unicode;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.WebSockets;

public class Utf8ValidatorTests
{
    private static readonly string[] ValidTexts =
    [
        "",
        "Hello, world",
        "κόσμε",                                   // Autobahn 6.2
        "\u0080\u07FF\u0800\uFFFF",                // 2- and 3-byte boundaries
        "\uD7FF\uE000\uFFFD",                      // around the surrogate range
        "\U00010000\U0010FFFF",                    // 4-byte boundaries
        "mixed ascii é € 𝄞 日本語 text with 🙂 emoji",
        new string('a', 100) + "é" + new string('b', 70) + "𝄞",   // non-ASCII after a vector's worth of ASCII
    ];

    // Invalid sequences, each with the index of the first byte at which no valid continuation exists
    // (where a fail-fast validator must stop; Autobahn 6.3-6.4 and Markus Kuhn's stress test).
    private static readonly (string Hex, int FailAt)[] InvalidVectors =
    [
        ("80", 0),                       // lone continuation
        ("bf", 0),
        ("41 80", 1),
        ("c0 80", 0),                    // overlong NUL: C0 is never valid
        ("c1 bf", 0),
        ("e0 80 80", 1),                 // overlong 3-byte form
        ("e0 9f bf", 1),
        ("ed a0 80", 1),                 // U+D800 (surrogate)
        ("ed bf bf", 1),                 // U+DFFF
        ("ed a0 80 ed b0 80", 1),        // CESU-8 surrogate pair
        ("f0 80 80 80", 1),              // overlong 4-byte form
        ("f0 8f bf bf", 1),
        ("f4 90 80 80", 1),              // U+110000
        ("f5 80 80 80", 0),
        ("f8 88 80 80 80", 0),           // 5-byte form
        ("fc 84 80 80 80 80", 0),        // 6-byte form
        ("fe", 0),
        ("ff", 0),
        ("c3 41", 1),                    // lead without continuation
        ("e2 82 41", 2),
        ("f0 9f 98 41", 3),
        ("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64", 12),   // Autobahn 6.4.x: κόσμε + U+D800 + "edited"
        ("ce ba e1 bd b9 cf 83 ce bc ce b5 f4 90 80 80 65 64 69 74 65 64", 12),   // κόσμε + U+110000
    ];

    // Valid so far but unfinished at the end: invalid at FIN.
    private static readonly string[] IncompleteAtEnd = ["c3", "e2", "e2 82", "f0", "f0 9f", "f0 9f 98", "41 42 e2 82", "f4 8f bf"];

    private static IEnumerable<TestCaseData> InvalidCases() =>
        InvalidVectors.Select(v => new TestCaseData(v.Hex, v.FailAt).SetArgDisplayNames(v.Hex));

    [TestCaseSource(nameof(ValidTexts))]
    public void TryAppend_ValidTextSplitAtEveryIndexAndBytewise_IsValidAndComplete(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        for (int split = 0; split <= bytes.Length; split++)
        {
            var validator = new Utf8Validator();
            Assert.That(validator.TryAppend(bytes.AsSpan(0, split)), Is.True, $"split {split}, first piece");
            Assert.That(validator.TryAppend(bytes.AsSpan(split)), Is.True, $"split {split}, second piece");
            Assert.That(validator.IsComplete, Is.True, $"split {split}");
        }

        var bytewise = new Utf8Validator();
        for (int i = 0; i < bytes.Length; i++) Assert.That(bytewise.TryAppend(bytes.AsSpan(i, 1)), Is.True, $"byte {i}");
        Assert.That(bytewise.IsComplete, Is.True);
    }

    [TestCaseSource(nameof(InvalidCases))]
    public void TryAppend_InvalidSequenceBytewise_FailsAtTheFirstImpossibleByte(string hex, int failAt)
    {
        byte[] bytes = Segmentations.Hex(hex);
        var validator = new Utf8Validator();
        for (int i = 0; i < bytes.Length; i++)
        {
            bool ok = validator.TryAppend(bytes.AsSpan(i, 1));
            Assert.That(ok, Is.EqualTo(i < failAt), $"byte {i}");
            if (!ok) break;
        }

        Assert.That(validator.HasFailed, Is.True);
    }

    [TestCaseSource(nameof(InvalidCases))]
    public void TryAppend_InvalidSequenceSplitAtEveryIndex_FailsInThePieceHoldingTheBadByte(string hex, int failAt)
    {
        byte[] bytes = Segmentations.Hex(hex);
        for (int split = 0; split <= bytes.Length; split++)
        {
            var validator = new Utf8Validator();
            bool first = validator.TryAppend(bytes.AsSpan(0, split));
            // The first piece fails exactly when it already holds the first impossible byte.
            Assert.That(first, Is.EqualTo(split <= failAt), $"split {split}");
            if (first) Assert.That(validator.TryAppend(bytes.AsSpan(split)), Is.False, $"split {split}, second piece");
        }
    }

    [TestCase("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64")]
    public void TryAppend_AfterFailure_StaysFailed(string hex)
    {
        var validator = new Utf8Validator();
        Assert.That(validator.TryAppend(Segmentations.Hex(hex)), Is.False);
        Assert.That(validator.TryAppend("ok"u8), Is.False);
        validator.Reset();
        Assert.That(validator.TryAppend("ok"u8), Is.True);
    }

    [TestCaseSource(nameof(IncompleteAtEnd))]
    public void IsComplete_SequenceCutShort_IsFalse(string hex)
    {
        var validator = new Utf8Validator();
        Assert.That(validator.TryAppend(Segmentations.Hex(hex)), Is.True);
        Assert.That(validator.IsComplete, Is.False);
    }

    [Test]
    public void TryAppend_RandomBytesInRandomPieces_AgreesWithUtf8IsValidAndFailsFast()
    {
        // Property test against the framework's validator, plus a brute-force oracle for the fail-fast point.
        var random = new Random(20251125);
        byte[] alphabet = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF];
        for (int round = 0; round < 3000; round++)
        {
            var bytes = new byte[random.Next(0, 12)];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = alphabet[random.Next(alphabet.Length)];

            var validator = new Utf8Validator();
            int position = 0;
            bool ok = true;
            while (ok && position < bytes.Length)
            {
                int piece = random.Next(1, 4);
                piece = Math.Min(piece, bytes.Length - position);
                ok = validator.TryAppend(bytes.AsSpan(position, piece));
                position += piece;
            }

            bool expectedValid = Utf8.IsValid(bytes);
            Assert.That(ok && validator.IsComplete, Is.EqualTo(expectedValid), Convert.ToHexString(bytes));

            int failAt = FirstImpossibleIndex(bytes);
            var bytewise = new Utf8Validator();
            int failedAt = -1;
            for (int i = 0; i < bytes.Length; i++)
            {
                if (!bytewise.TryAppend(bytes.AsSpan(i, 1)))
                {
                    failedAt = i;
                    break;
                }
            }

            Assert.That(failedAt, Is.EqualTo(failAt), Convert.ToHexString(bytes));
        }
    }

    [Test]
    public void TryAppend_LongMixedText_AllocatesNothing()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("chat message é € 𝄞 ", 200)));
        var validator = new Utf8Validator();
        validator.TryAppend(bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        validator.Reset();
        bool ok = validator.TryAppend(bytes.AsSpan(0, 1001)) && validator.TryAppend(bytes.AsSpan(1001));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ok, Is.True);
        Assert.That(allocated, Is.Zero);
    }

    // The smallest i such that bytes[0..i] cannot be extended to valid UTF-8, found by brute force:
    // a prefix can be extended when it is valid or when appending 1-3 continuation bytes makes it valid.
    private static int FirstImpossibleIndex(byte[] bytes)
    {
        for (int length = 1; length <= bytes.Length; length++)
        {
            if (!CanBeCompleted(bytes.AsSpan(0, length))) return length - 1;
        }

        return -1;
    }

    private static bool CanBeCompleted(ReadOnlySpan<byte> prefix)
    {
        if (Utf8.IsValid(prefix)) return true;
        byte[] continuations = [0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF];
        var buffer = new byte[prefix.Length + 3];
        prefix.CopyTo(buffer);
        foreach (byte a in continuations)
        {
            buffer[prefix.Length] = a;
            if (Utf8.IsValid(buffer.AsSpan(0, prefix.Length + 1))) return true;
            foreach (byte b in continuations)
            {
                buffer[prefix.Length + 1] = b;
                if (Utf8.IsValid(buffer.AsSpan(0, prefix.Length + 2))) return true;
                foreach (byte c in continuations)
                {
                    buffer[prefix.Length + 2] = c;
                    if (Utf8.IsValid(buffer.AsSpan(0, prefix.Length + 3))) return true;
                }
            }
        }

        return false;
    }
}
