using System.Buffers;
using System.Runtime.InteropServices;
using WsChat.Net.Buffers;

namespace WsChat.Net.Transport;

/// <summary>
/// A connection's outbound state: a ring of queued <see cref="SharedFrame"/> references and the flags of the
/// close handshake. Guarded by <see cref="Lock"/> (a spin lock: held for a few pointer moves or one bounded copy;
/// 4 bytes instead of a lock object per connection).
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct OutboundQueue   // 40 bytes on x64
{
    public SharedFrame[]? Ring;     // rented (FrameRingPool) only while frames are queued
    public long QueuedBytes;        // queued plus in flight, for the slow-consumer bound
    public int Head;
    public int Count;
    public int Lock;                // 0 free, 1 held
    public bool SenderActive;       // a flush is scheduled or running: one sender per connection
    public bool CloseQueued;        // our close frame is in the ring (nothing may follow it)
    public bool CloseSent;          // our close frame reached the kernel
    public bool PeerCloseReceived;  // the peer's close frame arrived
    public bool Failing;            // we fail the connection (RFC 6455 §7.1.7): shut down right after our close
    public bool ShutdownSent;       // shutdown(SHUT_WR) done
    public bool Aborted;            // the socket is gone: refuse and release everything

    public void Enter()
    {
        if (Interlocked.CompareExchange(ref Lock, 1, 0) == 0) return;
        SpinWait spin = default;
        while (Interlocked.CompareExchange(ref Lock, 1, 0) != 0) spin.SpinOnce(sleep1Threshold: -1);
    }

    public void Exit() => Volatile.Write(ref Lock, 0);

    /// <summary>Appends a frame reference (lock held).</summary>
    public void Push(SharedFrame frame)
    {
        if (Ring is null)
        {
            // Most connections have a handful of frames queued at a time; the ring doubles past that.
            Ring = FrameRingPool.Rent();
            Head = 0;
        }
        else if (Count == Ring.Length)
        {
            SharedFrame[] bigger = ArrayPool<SharedFrame>.Shared.Rent(Ring.Length * 2);
            for (int i = 0; i < Count; i++) bigger[i] = Ring[(Head + i) % Ring.Length];
            ReturnRing();
            Ring = bigger;
            Head = 0;
        }

        Ring[(Head + Count) % Ring.Length] = frame;
        Count++;
    }

    /// <summary>The oldest queued frame (lock held, Count &gt; 0).</summary>
    public readonly SharedFrame Peek() => Ring![Head];

    /// <summary>Removes the oldest frame from the ring without releasing it (lock held, Count &gt; 0).</summary>
    public SharedFrame Dequeue()
    {
        SharedFrame frame = Ring![Head];
        Ring[Head] = null!;
        Head = (Head + 1) % Ring.Length;
        Count--;
        return frame;
    }

    /// <summary>Gives the ring back to the pool when it is empty (lock held): idle connections hold no array.</summary>
    public void ReturnRingIfEmpty()
    {
        if (Count == 0 && Ring is not null) ReturnRing();
    }

    /// <summary>Releases every queued frame and returns the ring (lock held; the connection is gone).</summary>
    public void ReleaseAll()
    {
        while (Count > 0) Dequeue().Release();
        ReturnRingIfEmpty();
    }

    private void ReturnRing()
    {
        SharedFrame[] ring = Ring!;
        if (ring.Length == FrameRingPool.RingSize)
        {
            Array.Clear(ring);
            FrameRingPool.Return(ring);
        }
        else
        {
            ArrayPool<SharedFrame>.Shared.Return(ring, clearArray: true);   // a grown ring: rare
        }

        Ring = null;
        Head = 0;
    }
}
