using WsChat.Net.WebSockets;

namespace WsChat.Tests.Net.WebSockets;

public class MaskingTests
{
    private static byte[] Reference(ReadOnlySpan<byte> data, byte[] key, int offset = 0)
    {
        var result = new byte[data.Length];
        for (int i = 0; i < data.Length; i++) result[i] = (byte)(data[i] ^ key[(i + offset) % 4]);
        return result;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    [Test]
    public void Apply_Rfc6455Example_MasksHello()
    {
        byte[] data = "Hello"u8.ToArray();
        Masking.Apply(data, Masking.FromKey([0x37, 0xfa, 0x21, 0x3d]));
        Assert.That(data, Is.EqualTo(new byte[] { 0x7f, 0x9f, 0x4d, 0x51, 0x58 }));   // RFC 6455 §5.7
    }

    [Test]
    public void Apply_EveryLengthUpTo300_MatchesScalarReference()
    {
        var random = new Random(6455);
        byte[] key = RandomBytes(random, 4);
        uint mask = Masking.FromKey(key);
        for (int length = 0; length <= 300; length++)
        {
            byte[] data = RandomBytes(random, length);
            byte[] expected = Reference(data, key);
            byte[] inPlace = (byte[])data.Clone();
            uint after = Masking.Apply(inPlace, mask);
            Assert.That(inPlace, Is.EqualTo(expected), $"length {length}");
            Assert.That(after, Is.EqualTo(Masking.Rotate(mask, length)), $"length {length}");
        }
    }

    [Test]
    public void Apply_MisalignedSpans_MatchesScalarReference()
    {
        var random = new Random(1);
        byte[] key = RandomBytes(random, 4);
        byte[] backing = RandomBytes(random, 200);
        for (int start = 0; start < 40; start++)
        {
            byte[] data = backing.AsSpan(start, 150).ToArray();
            byte[] target = (byte[])backing.Clone();
            Masking.Apply(target.AsSpan(start, 150), Masking.FromKey(key));
            Assert.That(target.AsSpan(start, 150).ToArray(), Is.EqualTo(Reference(data, key)), $"start {start}");
            Assert.That(target.AsSpan(0, start).ToArray(), Is.EqualTo(backing.AsSpan(0, start).ToArray()), "bytes before the span are untouched");
            Assert.That(target.AsSpan(start + 150).ToArray(), Is.EqualTo(backing.AsSpan(start + 150).ToArray()), "bytes after the span are untouched");
        }
    }

    [Test]
    public void Apply_SplitAtEveryIndex_CarriesTheMaskRotation()
    {
        var random = new Random(2);
        byte[] key = RandomBytes(random, 4);
        byte[] data = RandomBytes(random, 150);
        byte[] expected = Reference(data, key);
        for (int split = 0; split <= data.Length; split++)
        {
            byte[] copy = (byte[])data.Clone();
            uint mask = Masking.Apply(copy.AsSpan(0, split), Masking.FromKey(key));
            Masking.Apply(copy.AsSpan(split), mask);
            Assert.That(copy, Is.EqualTo(expected), $"split {split}");
        }
    }

    [Test]
    public void Apply_ManySmallPieces_CarriesTheMaskRotation()
    {
        var random = new Random(3);
        byte[] key = RandomBytes(random, 4);
        byte[] data = RandomBytes(random, 5000);
        byte[] expected = Reference(data, key);
        uint mask = Masking.FromKey(key);
        int position = 0;
        while (position < data.Length)
        {
            int piece = Math.Min(random.Next(0, 70), data.Length - position);
            mask = Masking.Apply(data.AsSpan(position, piece), mask);
            position += piece;
        }

        Assert.That(data, Is.EqualTo(expected));
    }

    [TestCase(125), TestCase(4096), TestCase(65536)]
    public void Apply_CopyToOtherBuffer_MatchesReferenceAndLeavesSource(int length)
    {
        var random = new Random(length);
        byte[] key = RandomBytes(random, 4);
        byte[] source = RandomBytes(random, length);
        byte[] original = (byte[])source.Clone();
        var destination = new byte[length + 3];
        Masking.Apply(source, destination, Masking.FromKey(key));
        Assert.That(destination.AsSpan(0, length).ToArray(), Is.EqualTo(Reference(original, key)));
        Assert.That(source, Is.EqualTo(original));
        Assert.That(destination.AsSpan(length).ToArray(), Is.EqualTo(new byte[3]));
    }

    [Test]
    public void Apply_Twice_RestoresTheData()
    {
        byte[] data = new byte[1000];
        new Random(4).NextBytes(data);
        byte[] original = (byte[])data.Clone();
        Masking.Apply(data, 0xDEADBEEF);
        Assert.That(data, Is.Not.EqualTo(original));
        Masking.Apply(data, 0xDEADBEEF);
        Assert.That(data, Is.EqualTo(original));
    }

    [Test]
    public void Apply_DestinationShorterThanSource_Throws() =>
        Assert.That(() => Masking.Apply(new byte[10], new byte[9], 1u), Throws.ArgumentException);

    [Test]
    public void FromKeyAndToKey_RoundTrip()
    {
        byte[] key = [1, 2, 3, 4];
        var back = new byte[4];
        Masking.ToKey(Masking.FromKey(key), back);
        Assert.That(back, Is.EqualTo(key));
    }

    [Test]
    public void Apply_64KiB_AllocatesNothing()
    {
        var data = new byte[65536];
        Masking.Apply(data, 0x12345678);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Masking.Apply(data, 0x12345678);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
