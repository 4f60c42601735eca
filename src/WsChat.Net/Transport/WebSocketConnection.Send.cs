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

        _outbound.Push(frame);
        _outbound.QueuedBytes += length;
        if (!_outbound.SenderActive) schedule = _outbound.SenderActive = true;
        _outbound.Exit();
        if (schedule) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return EnqueueResult.Queued;
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
