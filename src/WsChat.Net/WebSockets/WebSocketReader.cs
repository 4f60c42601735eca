using System.Buffers;
using System.Runtime.InteropServices;

namespace WsChat.Net.WebSockets;

/// <summary>
/// The inbound half of a WebSocket connection: turns received bytes into events (messages, pings,
/// pongs, close), enforcing RFC 6455 §5 and the endpoint's message limits.
/// </summary>
/// <remarks>
/// <para>A mutable struct kept in the connection's table entry: call it through the field (or a
/// ref), never through a copy. 56 bytes on 64-bit (two buffer references, one long, six 32-bit fields
/// and a few flags; <c>WebSocketReaderTests</c> checks the size).</para>
/// <para>Buffers: a message whose frame arrives whole in one segment of the input is unmasked in place
/// and handed out without a copy (the input memory must be writable and owned by the caller, as a
/// PipeReader's is). Otherwise payload bytes are unmasked while being copied into one ArrayPool
/// buffer, as soon as they arrive: so UTF-8 is validated as it arrives and invalid text fails fast,
/// even in the middle of a frame. A handed-out buffer returns to the pool at the next call; an idle
/// reader (no message open and no event outstanding) holds no buffer.</para>
/// <para>Not thread-safe: one connection's read loop owns it. Errors are sticky: after InvalidData
/// every call fails the same way. After a close frame, later bytes are discarded (RFC 6455 §5.5.1).</para>
/// </remarks>
[StructLayout(LayoutKind.Auto)]
internal struct WebSocketReader
{
    // Below this a fragmented message's first buffer is not rented smaller (few pool buckets, fewer regrowths).
    private const int MinReassemblyBuffer = 256;

    private byte[]? _message;          // reassembly buffer, rented only while a message is being received
    private byte[]? _lent;             // buffer behind the last event's payload, returned at the next call
    private long _frameRemaining;      // payload bytes of the current frame not yet read
    private readonly int _maxMessageSize;
    private readonly int _maxFrames;
    private int _messageLength;        // bytes reassembled so far, for the 1009 limit
    private int _frameCount;           // frames of the open message, for the frame-count limit
    private uint _mask;                // rotated so that its low byte applies to the next payload byte
    private WebSocketOpcode _messageOpcode;   // Text or Binary while a message is open, else Continuation
    private WebSocketCloseCode _error;        // sticky failure
    private bool _inFrame;             // a header was read; _frameRemaining payload bytes follow
    private bool _frameFin;
    private bool _closed;              // a close frame was received
    private readonly bool _isServer;
    private Utf8Validator _utf8;       // a code point may straddle frames and segments (RFC 6455 §8.1)

    /// <param name="isServer">True on the server side (client frames must be masked), false on the client side.</param>
    /// <param name="maxMessageSize">Largest reassembled message in bytes; past it, 1009.</param>
    /// <param name="maxFramesPerMessage">Most frames one message may take; past it, 1009 (an endless run of
    /// empty continuation frames costs CPU but no bytes, so bytes alone don't bound it).</param>
    public WebSocketReader(bool isServer, int maxMessageSize, int maxFramesPerMessage)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxMessageSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFramesPerMessage, 1);
        _isServer = isServer;
        _maxMessageSize = maxMessageSize;
        _maxFrames = maxFramesPerMessage;
    }

    /// <summary>True while the reader holds a pooled buffer (a message is open, or an event's payload is outstanding).</summary>
    public readonly bool HoldsBuffer => _message is not null || _lent is not null;

    /// <summary>True while a fragmented (or partly received) message is open.</summary>
    public readonly bool InMessage => _messageOpcode != WebSocketOpcode.Continuation;

    /// <summary>True once a close frame was received.</summary>
    public readonly bool CloseReceived => _closed;

    /// <summary>
    /// Reads the next event from <paramref name="input"/>, advancing it past the bytes consumed.
    /// </summary>
    /// <returns>
    /// Done with <paramref name="evt"/>; NeedMoreData when the input holds no complete event (bytes of a
    /// partly received message may have been consumed into the reader's buffer); InvalidData with the
    /// close code to send (1002 protocol error, 1007 invalid UTF-8, 1009 too big).
    /// </returns>
    public OperationStatus TryRead(ref ReadOnlySequence<byte> input, out WebSocketEvent evt, out WebSocketCloseCode error)
    {
        evt = default;
        error = WebSocketCloseCode.None;
        if (_lent is not null) ReturnLent();
        if (_error != WebSocketCloseCode.None)
        {
            error = _error;
            return OperationStatus.InvalidData;
        }

        if (_closed)
        {
            input = input.Slice(input.End);
            return OperationStatus.NeedMoreData;
        }

        while (true)
        {
            if (!_inFrame)
            {
                OperationStatus status = FrameHeaderParser.TryRead(input, _isServer, out FrameHeader header, out WebSocketCloseCode headerError);
                if (status == OperationStatus.NeedMoreData) return status;
                if (status != OperationStatus.Done) return Fail(headerError, out error);
                if (header.IsControl) return ReadControl(ref input, in header, out evt, out error);
                status = StartDataFrame(ref input, in header, out evt, out error);
                if (status != OperationStatus.NeedMoreData || !_inFrame) return status;
            }

            if (_frameRemaining > 0)
            {
                if (input.IsEmpty) return OperationStatus.NeedMoreData;
                if (!CopyPayload(ref input)) return Fail(WebSocketCloseCode.InvalidPayloadData, out error);
                if (_frameRemaining > 0) return OperationStatus.NeedMoreData;
            }

            _inFrame = false;
            if (_frameFin) return CompleteMessage(out evt, out error);
        }
    }

    /// <summary>Returns every buffer to the pool and forgets all state (the connection ended).</summary>
    public void Reset()
    {
        if (_lent is not null) ReturnLent();
        if (_message is not null)
        {
            ArrayPool<byte>.Shared.Return(_message);
            _message = null;
        }

        this = new WebSocketReader(_isServer, _maxMessageSize, _maxFrames);
    }

    private OperationStatus StartDataFrame(ref ReadOnlySequence<byte> input, in FrameHeader header, out WebSocketEvent evt, out WebSocketCloseCode error)
    {
        evt = default;
        error = WebSocketCloseCode.None;
        if (header.Opcode == WebSocketOpcode.Continuation)
        {
            // §5.4: a continuation frame continues a message; there is none open.
            if (_messageOpcode == WebSocketOpcode.Continuation) return Fail(WebSocketCloseCode.ProtocolError, out error);
            if (++_frameCount > _maxFrames) return Fail(WebSocketCloseCode.MessageTooBig, out error);
        }
        else
        {
            // §5.4: a new data frame while a fragmented message is open (its fragments must not interleave).
            if (_messageOpcode != WebSocketOpcode.Continuation) return Fail(WebSocketCloseCode.ProtocolError, out error);
        }

        // The size limit, before a byte of the payload is read or buffered.
        if (header.PayloadLength > _maxMessageSize - _messageLength) return Fail(WebSocketCloseCode.MessageTooBig, out error);
        int length = (int)header.PayloadLength;
        int frameLength = header.HeaderLength + length;

        if (header.Opcode != WebSocketOpcode.Continuation && header.Fin && input.First.Length >= frameLength)
        {
            // The common case: a whole single-frame message in one segment. Unmask in place, no copy.
            ReadOnlyMemory<byte> payload = input.First.Slice(header.HeaderLength, length);
            if (header.Masked) Masking.Apply(MemoryMarshal.AsMemory(payload).Span, header.Mask);
            if (header.Opcode == WebSocketOpcode.Text && !Utf8Validator.IsValid(payload.Span)) return Fail(WebSocketCloseCode.InvalidPayloadData, out error);
            input = input.Slice(frameLength);
            evt = new WebSocketEvent(WebSocketEventType.Message, header.Opcode, payload);
            return OperationStatus.Done;
        }

        if (header.Opcode != WebSocketOpcode.Continuation)
        {
            _messageOpcode = header.Opcode;
            _messageLength = 0;
            _frameCount = 1;
            _utf8.Reset();
        }

        EnsureCapacity(_messageLength + length, header.Fin);
        input = input.Slice(header.HeaderLength);
        _inFrame = true;
        _frameFin = header.Fin;
        _frameRemaining = length;
        _mask = header.Mask;
        return OperationStatus.NeedMoreData;
    }

    // Unmasks as much of the current frame's payload as the input holds into the reassembly buffer,
    // validating text as it goes. False on invalid UTF-8.
    private bool CopyPayload(ref ReadOnlySequence<byte> input)
    {
        long take = Math.Min(input.Length, _frameRemaining);
        ReadOnlySequence<byte> chunk = input.Slice(0, take);
        byte[] buffer = _message!;
        bool text = _messageOpcode == WebSocketOpcode.Text;
        foreach (ReadOnlyMemory<byte> segment in chunk)
        {
            Span<byte> destination = buffer.AsSpan(_messageLength, segment.Length);
            _mask = _isServer ? Masking.Apply(segment.Span, destination, _mask) : CopyUnmasked(segment.Span, destination);
            _messageLength += segment.Length;
            // Fail fast (Autobahn 6.4.x): judge each piece as it arrives, not at the end of the frame.
            if (text && !_utf8.TryAppend(destination)) return false;
        }

        _frameRemaining -= take;
        input = input.Slice(take);
        return true;
    }

    private static uint CopyUnmasked(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return 0;
    }

    private OperationStatus CompleteMessage(out WebSocketEvent evt, out WebSocketCloseCode error)
    {
        error = WebSocketCloseCode.None;
        evt = default;
        // §8.1: a text message ending inside a code point is invalid.
        if (_messageOpcode == WebSocketOpcode.Text && !_utf8.IsComplete) return Fail(WebSocketCloseCode.InvalidPayloadData, out error);
        evt = new WebSocketEvent(WebSocketEventType.Message, _messageOpcode, _message.AsMemory(0, _messageLength));
        _lent = _message;
        _message = null;
        _messageOpcode = WebSocketOpcode.Continuation;
        _messageLength = 0;
        _frameCount = 0;
        return OperationStatus.Done;
    }

    private OperationStatus ReadControl(ref ReadOnlySequence<byte> input, in FrameHeader header, out WebSocketEvent evt, out WebSocketCloseCode error)
    {
        evt = default;
        error = WebSocketCloseCode.None;
        int length = (int)header.PayloadLength;   // ≤ 125, checked by the header parser
        int frameLength = header.HeaderLength + length;
        // Control frames are small: wait for the whole frame rather than buffer a part of it.
        if (input.Length < frameLength) return OperationStatus.NeedMoreData;

        Memory<byte> payload;
        if (input.First.Length >= frameLength)
        {
            payload = MemoryMarshal.AsMemory(input.First.Slice(header.HeaderLength, length));
        }
        else
        {
            _lent = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
            payload = _lent.AsMemory(0, length);
            input.Slice(header.HeaderLength, length).CopyTo(payload.Span);
        }

        if (header.Masked) Masking.Apply(payload.Span, header.Mask);
        input = input.Slice(frameLength);

        switch (header.Opcode)
        {
            case WebSocketOpcode.Ping:
                evt = new WebSocketEvent(WebSocketEventType.Ping, WebSocketOpcode.Ping, payload);
                return OperationStatus.Done;
            case WebSocketOpcode.Pong:
                evt = new WebSocketEvent(WebSocketEventType.Pong, WebSocketOpcode.Pong, payload);
                return OperationStatus.Done;
            default:
                if (!CloseCodes.TryParsePayload(payload.Span, out WebSocketCloseCode code, out ReadOnlySpan<byte> reason, out WebSocketCloseCode closeError))
                {
                    return Fail(closeError, out error);
                }

                _closed = true;
                evt = new WebSocketEvent(WebSocketEventType.Close, WebSocketOpcode.Close, payload[(payload.Length - reason.Length)..], code);
                return OperationStatus.Done;
        }
    }

    private void EnsureCapacity(int needed, bool lastFrame)
    {
        byte[]? buffer = _message;
        if (buffer is not null && buffer.Length >= needed) return;
        // A fragmented message's total is unknown: grow by doubling up to the limit. A final frame's is known.
        int size = lastFrame ? needed : Math.Min(_maxMessageSize, Math.Max(needed, Math.Max(MinReassemblyBuffer, (buffer?.Length ?? 0) * 2)));
        size = Math.Max(size, needed);
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        if (buffer is not null)
        {
            buffer.AsSpan(0, _messageLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _message = bigger;
    }

    private void ReturnLent()
    {
        ArrayPool<byte>.Shared.Return(_lent!);
        _lent = null;
    }

    private OperationStatus Fail(WebSocketCloseCode code, out WebSocketCloseCode error)
    {
        _error = code;
        error = code;
        return OperationStatus.InvalidData;
    }
}
