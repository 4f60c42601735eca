using System.Buffers;
using System.Runtime.InteropServices;

namespace WsChat.Net.Transport;

/// <summary>
/// A connection's receive buffer: one ArrayPool array rented only while bytes are in flight and returned as
/// soon as every byte is consumed, so an idle connection holds none.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct InputBuffer   // 16 bytes on x64
{
    // 4 KiB holds a burst of ordinary chat frames or a typical request head in one read; bigger heads grow it,
    // bigger WebSocket frames stream into the reader's reassembly buffer instead.
    public const int MinReadSize = 4096;
    // Compact when less than this is left at the end: a frame header or a control frame (≤ 139 bytes) fits.
    private const int MinFreeSpace = 512;

    private byte[]? _array;
    private int _start;
    private int _end;

    public readonly bool IsEmpty => _start == _end;

    public readonly bool HoldsBuffer => _array is not null;

    public readonly int Length => _end - _start;

    /// <summary>The unconsumed bytes, writable in place (the WebSocket reader unmasks into them).</summary>
    public readonly ReadOnlySequence<byte> Readable =>
        _array is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_array, _start, _end - _start);

    /// <summary>Space to receive into: rents, compacts or grows (up to <paramref name="maxLength"/> unconsumed bytes).</summary>
    /// <returns>Empty when the buffer already holds <paramref name="maxLength"/> bytes.</returns>
    public Memory<byte> GetWritable(int maxLength)
    {
        if (_array is null)
        {
            _array = ArrayPool<byte>.Shared.Rent(MinReadSize);
            _start = _end = 0;
        }
        else if (_array.Length - _end < MinFreeSpace)
        {
            int length = _end - _start;
            if (_start > 0 && length <= _array.Length / 2)
            {
                _array.AsSpan(_start, length).CopyTo(_array);
            }
            else
            {
                if (length >= maxLength) return Memory<byte>.Empty;
                byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(_array.Length * 2, MinReadSize), maxLength + MinFreeSpace));
                _array.AsSpan(_start, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_array);
                _array = bigger;
            }

            _start = 0;
            _end = length;
        }

        return _array.AsMemory(_end);
    }

    public void Advance(int count) => _end += count;

    /// <summary>Marks <paramref name="count"/> bytes consumed; returns the array when none are left.</summary>
    public void Consume(long count)
    {
        _start += (int)count;
        if (_start == _end) Release();
    }

    public void Release()
    {
        if (_array is not null) ArrayPool<byte>.Shared.Return(_array);
        _array = null;
        _start = _end = 0;
    }
}
