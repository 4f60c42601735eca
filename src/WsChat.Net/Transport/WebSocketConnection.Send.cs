using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WsChat.Net.Buffers;

namespace WsChat.Net.Transport;

internal enum EnqueueResult : byte
{
    Queued,
    Closed,
    OverBound,
}

public sealed partial class WebSocketConnection
{
    // Frames up to this size are copied into one coalescing buffer and sent with one system call; a larger frame
    // is sent straight from its own buffer (the copy would cost more than the call it saves).
    private const int CoalesceFrameLimit = 4 * 1024;
    // 16 KiB: a burst of ~100 chat frames per send; rented only while a flush runs.
    private const int CoalesceBufferSize = 16 * 1024;

    /// <summary>Queues a frame (taking over its reference). Control frames (pong, ping) bypass the byte bound:
    /// they are small and the peer must get them even when busy.</summary>
    internal EnqueueResult Enqueue(SharedFrame frame, bool control)
    {
        int length = frame.Bytes.Length;
        bool schedule = false;
        _outbound.Enter();
        if (_outbound.CloseQueued || _outbound.Aborted || Phase != ConnectionPhase.Open)
        {
            _outbound.Exit();
            frame.Release();
            return EnqueueResult.Closed;
        }

        // The bound applies to what is already waiting: one frame larger than the bound (a 16 MiB echo) still goes
        // out when the queue is empty, but nothing queues behind it until the peer has read it.
        if (!control && _outbound.QueuedBytes > 0 && _outbound.QueuedBytes + length > _server.Options.MaxOutboundBytes)
        {
            _outbound.Exit();
            frame.Release();
            return EnqueueResult.OverBound;
        }

        _outbound.QueuedBytes += length;
        if (!_outbound.SenderActive && _outbound.Count == 0)
        {
            // Nothing queued ahead of it and nobody sending: this thread becomes the sender for one frame and hands
            // it to the kernel now, straight from the shared bytes (no thread-pool hop, no copy). See SendInline.
            _outbound.SenderActive = true;
            _outbound.Exit();
            SendInline(frame);
            return EnqueueResult.Queued;
        }

        _outbound.Push(frame);
        if (!_outbound.SenderActive) schedule = _outbound.SenderActive = true;
        _outbound.Exit();
        if (schedule) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return EnqueueResult.Queued;
    }

    /// <summary>
    /// Sends one frame on the enqueuing thread (a chat shard fanning a message out, the read loop's pong), which
    /// holds <see cref="OutboundQueue.SenderActive"/> for the duration: one non-blocking send, which never waits.
    /// </summary>
    /// <remarks>
    /// A fan-out to idle connections used to queue each delivery to the thread pool, whose sender rented a buffer,
    /// copied the frame and sent it: a hop, a wake-up of an idle worker and a copy per delivery, on top of the
    /// send (docs/benchmarks.md "Server CPU per delivery"). Here the common case is the send alone. When the kernel
    /// takes only part of the frame (a full socket buffer: a slow reader), the rest is sent asynchronously and the
    /// queue's sender carries on after it, so frames queued meanwhile still follow in order; if other frames were
    /// queued while this send ran, the thread pool's sender takes them, as before.
    /// </remarks>
    private void SendInline(SharedFrame frame)
    {
        // In a fan-out on a thread with a send ring (a chat shard), the send joins the fan-out's one io_uring
        // submission; SendBatch then finishes it here with CompleteInlineSend, as below.
        if (_server.Options.IoUringSends && Epoll.SendBatch.TryAdd(this, _socket, frame)) return;
        SendInlineNow(frame);
    }

    /// <summary>The engine's socket (tests reach the descriptor through it).</summary>
    internal ConnectionSocket Socket => _socket;

    /// <summary>The inline send of <paramref name="frame"/> with one send() (the caller holds the sender role).</summary>
    internal void SendInlineNow(SharedFrame frame)
    {
        ReadOnlyMemory<byte> bytes = frame.Bytes;
        int sent;
        SocketError error;
        try
        {
            sent = _socket.TrySend(bytes.Span, out error);
        }
        catch (ObjectDisposedException)
        {
            sent = 0;
            error = SocketError.OperationAborted;   // aborted meanwhile: the read loop cleans up
        }

        CompleteInlineSend(frame, sent, error);
    }

    /// <summary>After the kernel took <paramref name="sent"/> bytes of an inline send (or failed with
    /// <paramref name="error"/>): done, or the rest asynchronously, or the connection failed.</summary>
    internal void CompleteInlineSend(SharedFrame frame, int sent, SocketError error)
    {
        ReadOnlyMemory<byte> bytes = frame.Bytes;
        if (error == SocketError.Success && sent == bytes.Length)
        {
            _server.Metrics.BytesSent(bytes.Length);
            frame.Release();
            EndInlineSend(bytes.Length);
            return;
        }

        if (error is SocketError.Success or SocketError.WouldBlock)
        {
            _server.Metrics.BytesSent(bytes.Length);
            _ = SendRestThenFlushAsync(frame, Math.Max(sent, 0));
            return;
        }

        frame.Release();
        Abort();
        ReleaseQueue();
    }

    /// <summary>After an inline send: hand what was queued meanwhile to the thread pool's sender, or stop being the
    /// sender. Frames queued behind the inline one were left to us (SenderActive was set), so one of the two happens.</summary>
    private void EndInlineSend(int length)
    {
        bool schedule = false;
        _outbound.Enter();
        _outbound.QueuedBytes -= length;
        if (_outbound.Aborted)
        {
            _outbound.ReleaseAll();
        }
        else if (_outbound.Count > 0)
        {
            schedule = true;                        // stays the sender: the flush clears it when the queue is empty
        }
        else
        {
            _outbound.SenderActive = false;
        }

        _outbound.Exit();
        if (schedule) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>The kernel took only <paramref name="offset"/> bytes of an inline frame: send the rest, then flush
    /// what was queued behind it (still the connection's only sender).</summary>
    private async Task SendRestThenFlushAsync(SharedFrame frame, int offset)
    {
        try
        {
            await SendRestAsync(frame.Bytes[offset..]).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (e is not (SocketException or ObjectDisposedException or OperationCanceledException)) Log.SendFailed(_server.Logger, _id, e);
            frame.Release();
            Abort();
            ReleaseQueue();
            return;
        }

        int length = frame.Bytes.Length;
        frame.Release();
        _outbound.Enter();
        _outbound.QueuedBytes -= length;
        _outbound.Exit();
        await FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Queues our close frame as the last frame; false when one is queued already or the socket is gone.</summary>
    private bool EnqueueClose(SharedFrame frame, bool fail)
    {
        bool schedule = false;
        _outbound.Enter();
        if (_outbound.CloseQueued || _outbound.Aborted)
        {
            _outbound.Exit();
            frame.Release();
            return false;
        }

        _outbound.Push(frame);
        _outbound.QueuedBytes += frame.Bytes.Length;
        _outbound.CloseQueued = true;
        _outbound.Failing = fail;
        if (!_outbound.SenderActive) schedule = _outbound.SenderActive = true;
        _outbound.Exit();
        if (schedule) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    /// <summary>The sender: runs on the thread pool, one at a time per connection (<see cref="OutboundQueue.SenderActive"/>).</summary>
    void IThreadPoolWorkItem.Execute() => _ = FlushAsync();

    private async Task FlushAsync()
    {
        byte[]? buffer = null;
        SharedFrame? large = null;
        try
        {
            while (true)
            {
                int coalesced = 0;
                int sent;
                _outbound.Enter();
                if (_outbound.Aborted || _outbound.Count == 0)
                {
                    _outbound.SenderActive = false;
                    _outbound.ReturnRingIfEmpty();
                    _outbound.Exit();
                    return;
                }

                // Copy under the lock: frames are sealed (immutable) and the copy is bounded by the buffer size.
                while (_outbound.Count > 0)
                {
                    SharedFrame next = _outbound.Peek();
                    ReadOnlySpan<byte> bytes = next.Bytes.Span;
                    if (bytes.Length > CoalesceFrameLimit)
                    {
                        if (coalesced == 0) large = _outbound.Dequeue();
                        break;
                    }

                    buffer ??= ArrayPool<byte>.Shared.Rent(CoalesceBufferSize);
                    if (coalesced + bytes.Length > buffer.Length) break;
                    bytes.CopyTo(buffer.AsSpan(coalesced));
                    coalesced += bytes.Length;
                    _outbound.Dequeue().Release();
                }

                _outbound.Exit();

                if (large is not null)
                {
                    sent = large.Bytes.Length;
                    await SendAllAsync(large.Bytes).ConfigureAwait(false);
                    large.Release();
                    large = null;
                }
                else
                {
                    sent = coalesced;
                    await SendAllAsync(buffer.AsMemory(0, coalesced)).ConfigureAwait(false);
                }

                _outbound.Enter();
                _outbound.QueuedBytes -= sent;
                bool closeJustSent = _outbound.CloseQueued && !_outbound.CloseSent && _outbound.Count == 0;
                bool shutdown = false;
                if (closeJustSent)
                {
                    _outbound.CloseSent = true;
                    // RFC 6455 §7.1.1: once both close frames are exchanged (or we fail the connection), the server
                    // closes TCP first; shutdown(SHUT_WR) sends FIN after our close frame, never an RST.
                    shutdown = (_outbound.PeerCloseReceived || _outbound.Failing) && !_outbound.ShutdownSent;
                    if (shutdown) _outbound.ShutdownSent = true;
                }

                _outbound.Exit();
                if (shutdown) ShutdownSend();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The peer is gone or the connection was aborted; the read loop sees it too and cleans up.
            Abort();
        }
        catch (Exception e)
        {
            Log.SendFailed(_server.Logger, _id, e);
            Abort();
        }
        finally
        {
            large?.Release();
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            if (Volatile.Read(ref _outbound.Aborted)) ReleaseQueue();
        }
    }

    /// <summary>
    /// Sends all of <paramref name="bytes"/>: first a non-blocking send on the calling thread (the socket is in
    /// non-blocking mode, so this never waits; most sends end here and allocate nothing), then an asynchronous
    /// send for what the kernel did not take.
    /// </summary>
    internal ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes)
    {
        _server.Metrics.BytesSent(bytes.Length);
        int sent = _socket.TrySend(bytes.Span, out SocketError error);
        if (error == SocketError.Success && sent == bytes.Length) return ValueTask.CompletedTask;
        if (error is not (SocketError.Success or SocketError.WouldBlock)) throw new SocketException((int)error);
        return SendRestAsync(bytes[Math.Max(sent, 0)..]);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendRestAsync(ReadOnlyMemory<byte> rest)
    {
        while (!rest.IsEmpty)
        {
            int sent = await _socket.SendAsync(rest).ConfigureAwait(false);
            rest = rest[sent..];
        }
    }

    private void ShutdownSend()
    {
        try
        {
            _socket.ShutdownSend();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or aborted: nothing left to tell the peer.
        }
    }

    private void ReleaseQueue()
    {
        _outbound.Enter();
        _outbound.ReleaseAll();
        _outbound.Exit();
    }
}
