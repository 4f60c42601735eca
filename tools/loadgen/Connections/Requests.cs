using System.Buffers.Text;

namespace WsChat.LoadGen.Connections;

/// <summary>Writes the client messages the loadgen sends (PROTOCOL.md §3) into a reused buffer.</summary>
internal static class Requests
{
    public static int Join(Span<byte> into, int room, long reference)
    {
        var w = new SpanWriter(into);
        w.Write("{\"type\":\"join\",\"room\":\"r"u8); w.Write(room); w.Write("\""u8); w.EndWithRef(reference);
        return w.Length;
    }

    public static int Leave(Span<byte> into, int room, long reference)
    {
        var w = new SpanWriter(into);
        w.Write("{\"type\":\"leave\",\"room\":\"r"u8); w.Write(room); w.Write("\""u8); w.EndWithRef(reference);
        return w.Length;
    }

    /// <summary>A room message whose text starts with the send time (see <see cref="InboundMessage.WriteText"/>).</summary>
    public static int Message(Span<byte> into, int room, long reference, int textSize, long timestamp)
    {
        var w = new SpanWriter(into);
        w.Write("{\"type\":\"message\",\"room\":\"r"u8); w.Write(room); w.Write("\",\"text\":\""u8);
        w.Text(textSize, timestamp);
        w.Write("\""u8); w.EndWithRef(reference);
        return w.Length;
    }

    public static int Dm(Span<byte> into, int toIndex, long reference, int textSize, long timestamp)
    {
        var w = new SpanWriter(into);
        w.Write("{\"type\":\"dm\",\"to\":\"u"u8); w.Write(toIndex); w.Write("\",\"text\":\""u8);
        w.Text(textSize, timestamp);
        w.Write("\""u8); w.EndWithRef(reference);
        return w.Length;
    }

    public static int History(Span<byte> into, int room, long before, int limit, long reference)
    {
        var w = new SpanWriter(into);
        w.Write("{\"type\":\"history\",\"room\":\"r"u8); w.Write(room); w.Write("\",\"limit\":"u8); w.Write(limit);
        if (before > 0) { w.Write(",\"before\":"u8); w.Write(before); }
        w.EndWithRef(reference);
        return w.Length;
    }

    /// <summary>Bytes a request needs besides its text.</summary>
    public const int Overhead = 160;

    private ref struct SpanWriter(Span<byte> span)
    {
        private readonly Span<byte> _span = span;
        public int Length;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_span[Length..]);
            Length += bytes.Length;
        }

        public void Write(long value)
        {
            Utf8Formatter.TryFormat(value, _span[Length..], out int written);
            Length += written;
        }

        // Every request carries a ref, last, so that its ack or error can be matched (PROTOCOL.md §3).
        public void EndWithRef(long reference)
        {
            Write(",\"ref\":\""u8);
            Write(reference);
            Write("\"}"u8);
        }

        public void Text(int size, long timestamp)
        {
            InboundMessage.WriteText(_span.Slice(Length, size), timestamp);
            Length += size;
        }
    }
}
