using System.Buffers;
using System.Diagnostics;
using WsChat.Net.WebSockets;

namespace WsChat.Net.Buffers;

/// <summary>
/// One unmasked server→client WebSocket frame, encoded once and shared by every connection it is
/// queued to (a room broadcast is serialised once, not once per member).
/// </summary>
/// <remarks>
/// Write the payload through <see cref="IBufferWriter{T}"/>, then <see cref="Seal"/> it: the frame
/// header is written right-aligned into <see cref="HeaderReserve"/> bytes kept in front of the
/// payload, so <see cref="Bytes"/> is one contiguous frame ready for a gathered send.
/// <para>Ownership: <see cref="Rent"/> returns a frame holding one reference. Every queue that keeps
/// the frame takes its own with <see cref="AddRef"/>; each holder calls <see cref="Release"/> exactly
/// once, and the last release returns the frame to the pool. Writing is single-threaded and
/// happens before sealing; after sealing the frame is immutable and safe to read from any thread.</para>
/// </remarks>
public sealed class SharedFrame : IBufferWriter<byte>
{
    /// <summary>The largest header a server frame can need: 2 bytes + 8-byte extended length, no mask.</summary>
    public const int HeaderReserve = 10;

    // Frames are small and hot: keep up to this many on the free list, each with its buffer.
    private const int MaxPooledFrames = 4096;
    // A buffer grown past this (a rare large message) goes back to ArrayPool, not the free list.
    private const int MaxPooledBufferSize = 16 * 1024;
    private const int DefaultBufferSize = 512;

    private static readonly TrimmedPool<SharedFrame> s_pool = new(MaxPooledFrames);

    private byte[] _buffer;
    private int _payloadLength;
    private int _headerStart;
    private int _refCount;
    private bool _sealed;

    private SharedFrame(int size) => _buffer = ArrayPool<byte>.Shared.Rent(size);

    /// <summary>Rents an empty frame holding one reference. Thread-safe.</summary>
    /// <param name="payloadSizeHint">Expected payload size; the buffer grows if it is exceeded.</param>
    public static SharedFrame Rent(int payloadSizeHint = 0)
    {
        if (!s_pool.TryRent(out SharedFrame? frame)) frame = new SharedFrame(Math.Max(DefaultBufferSize, HeaderReserve + payloadSizeHint));

        frame.EnsureCapacity(payloadSizeHint);
        frame._refCount = 1;
        return frame;
    }

    /// <summary>Number of payload bytes written so far.</summary>
    public int PayloadLength => _payloadLength;

    /// <summary>The payload written so far (without the frame header).</summary>
    public ReadOnlySpan<byte> Payload => _buffer.AsSpan(HeaderReserve, _payloadLength);

    /// <summary>The whole frame, header and payload. Valid only after <see cref="Seal"/>.</summary>
    public ReadOnlyMemory<byte> Bytes
    {
        get
        {
            Debug.Assert(_sealed, "Seal the frame before sending it.");
            return _buffer.AsMemory(_headerStart, HeaderReserve - _headerStart + _payloadLength);
        }
    }

    /// <summary>True once <see cref="Seal"/> has written the header.</summary>
    public bool IsSealed => _sealed;

    /// <summary>Current reference count (for tests and diagnostics).</summary>
    public int RefCount => Volatile.Read(ref _refCount);

    /// <summary>Writes the frame header (FIN set, unmasked) for the payload written so far.</summary>
    /// <exception cref="InvalidOperationException">The frame was sealed already.</exception>
    public void Seal(WebSocketOpcode opcode = WebSocketOpcode.Text)
    {
        if (_sealed) throw new InvalidOperationException("The frame is sealed already.");
        Span<byte> reserve = _buffer.AsSpan(0, HeaderReserve);
        int length = _payloadLength;
        int headerLength;
        if (length <= 125)
        {
            headerLength = 2;
            reserve[HeaderReserve - 1] = (byte)length;
        }
        else if (length <= ushort.MaxValue)
        {
            headerLength = 4;
            reserve[HeaderReserve - 3] = 126;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(reserve[(HeaderReserve - 2)..], (ushort)length);
        }
        else
        {
            headerLength = 10;
            reserve[HeaderReserve - 9] = 127;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(reserve[(HeaderReserve - 8)..], (ulong)length);
        }

        _headerStart = HeaderReserve - headerLength;
        reserve[_headerStart] = (byte)(0x80 | (byte)opcode);
        _sealed = true;
    }

    /// <summary>Takes one more reference for another holder. Thread-safe.</summary>
    public SharedFrame AddRef()
    {
        int after = Interlocked.Increment(ref _refCount);
        Debug.Assert(after > 1, "AddRef on a released frame.");
        return this;
    }

    /// <summary>Frames on the free list now (for tests and metrics).</summary>
    public static int PooledCount => s_pool.Count;

    /// <summary>
    /// Drops the pooled frames that stayed unused since the previous call (none was rented that deep), buffers and
    /// all, so that the ~4,096 frames a burst leaves behind (~2 MiB with their buffers) go back to the GC while a busy
    /// server keeps what it uses. The transport's timer calls it every 10 s with the outbound rings' trim. Thread-safe.
    /// </summary>
    public static void TrimPool() => s_pool.Trim();

    /// <summary>Gives back one reference; the last one returns the frame to the pool. Thread-safe.</summary>
    public void Release()
    {
        int after = Interlocked.Decrement(ref _refCount);
        if (after > 0) return;
        Debug.Assert(after == 0, "SharedFrame released more often than referenced.");
        Reset();
        // Last: once on the free list, another thread may rent this frame at once.
        if (_buffer.Length <= MaxPooledBufferSize && s_pool.TryReturn(this)) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - HeaderReserve - _payloadLength)) throw new ArgumentOutOfRangeException(nameof(count));
        _payloadLength += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(_payloadLength + Math.Max(sizeHint, 1));
        return _buffer.AsMemory(HeaderReserve + _payloadLength);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(_payloadLength + Math.Max(sizeHint, 1));
        return _buffer.AsSpan(HeaderReserve + _payloadLength);
    }

    private void Reset()
    {
        _payloadLength = 0;
        _headerStart = 0;
        _sealed = false;
    }

    private void EnsureCapacity(int payloadCapacity)
    {
        int needed = HeaderReserve + payloadCapacity;
        if (_buffer.Length >= needed) return;
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, HeaderReserve + _payloadLength).CopyTo(bigger);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
