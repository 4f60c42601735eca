using System.Diagnostics;
using WsChat.LoadGen.Metrics;

namespace WsChat.LoadGen.Connections;

/// <summary>
/// One loadgen connection: its socket, its room and what it has seen. The receive path reads the
/// few fields it needs in place and bumps shared counters: no allocation per message.
/// About 80 bytes of fields plus the socket.
/// </summary>
internal sealed class ChatSession : IMessageSink
{
    private readonly NodeCounters _counters;
    private TaskCompletionSource<InboundMessage>? _waiter; // setup and churn steps wait for one reply
    private InboundType _waitingFor;
    private long _waitingRef;

    public ChatSession(int index, int room, NodeCounters counters)
    {
        Index = index;
        Room = room;
        _counters = counters;
    }

    public int Index { get; }
    public int Room { get; }
    public ILoadSocket? Socket { get; set; }
    public Task? ReceiveLoop { get; set; }

    /// <summary>Newest message id seen (room or DM pair): the start of the loss and order check.</summary>
    public long LastId;

    /// <summary>Distinct messages received (ids above <see cref="LastId"/> when they came).</summary>
    public long Received;

    /// <summary>Acks this connection received (dm's loss check: a pair expects both sides' acked dms).</summary>
    public long Acked;

    /// <summary>Set while latency should be recorded (after warm-up).</summary>
    public static volatile bool Measuring;

    /// <summary>History scenario: Stopwatch ticks of the outstanding request, 0 when none.</summary>
    public long PendingSince;

    /// <summary>History scenario: the next page ends before this id (0: the newest page).</summary>
    public long NextBefore;

    /// <summary>True while the connection is meant to be open (a close then counts as a disconnect).</summary>
    public volatile bool Open;

    public void OnMessage(ReadOnlySpan<byte> utf8)
    {
        if (!InboundMessage.TryRead(utf8, out InboundMessage m))
        {
            Interlocked.Increment(ref _counters.Errors);
            return;
        }

        switch (m.Type)
        {
            case InboundType.Message:
            case InboundType.Dm:
                OnDelivery(in m);
                break;
            case InboundType.Ack:
                Acked++;
                Interlocked.Increment(ref _counters.Acked);
                if ((uint)m.Room < (uint)_counters.AckedPerRoom.Length) Interlocked.Increment(ref _counters.AckedPerRoom[m.Room]);
                break;
            case InboundType.History:
                OnHistory(in m);
                break;
            case InboundType.Error:
                Interlocked.Increment(ref _counters.Errors);
                if (m.Error == ErrorKind.RateLimited) Interlocked.Increment(ref _counters.RateLimited);
                if (PendingSince != 0 && m.Ref >= 0) PendingSince = 0;
                break;
        }

        TaskCompletionSource<InboundMessage>? waiter = _waiter;
        if (waiter is not null && (m.Type == _waitingFor || m.Type == InboundType.Error) && (_waitingRef < 0 || m.Ref == _waitingRef))
        {
            _waiter = null;
            waiter.TrySetResult(m);
        }
    }

    /// <summary>Arms a wait for the next message of <paramref name="type"/> (or an error); call before sending the request.</summary>
    public Task<InboundMessage> Expect(InboundType type, long reference = -1)
    {
        var tcs = new TaskCompletionSource<InboundMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waitingFor = type;
        _waitingRef = reference;
        _waiter = tcs;
        return tcs.Task;
    }

    public void FailWaiter(Exception error) => Interlocked.Exchange(ref _waiter, null)?.TrySetException(error);

    private void OnDelivery(in InboundMessage m)
    {
        Interlocked.Increment(ref _counters.Delivered);
        long last = LastId;
        if (m.Id <= last)
        {
            Interlocked.Increment(ref _counters.Duplicated);
            return;
        }

        if (last != 0 && m.Id > last + 1) Interlocked.Add(ref _counters.Gaps, m.Id - last - 1);
        LastId = m.Id;
        Received++;
        if (Measuring && m.SentTimestamp != 0) _counters.Latency.RecordSince(m.SentTimestamp);
    }

    private void OnHistory(in InboundMessage m)
    {
        Interlocked.Increment(ref _counters.Responses);
        Interlocked.Add(ref _counters.HistoryMessages, m.HistoryCount);
        long since = PendingSince;
        PendingSince = 0;
        if (since != 0 && Measuring) _counters.Latency.RecordSince(since);

        // Page backwards until the start of the ring, then start again from the newest.
        NextBefore = m.HasMore && m.HistoryOldestId > 0 ? m.HistoryOldestId : 0;
    }

    /// <summary>Stopwatch ticks now: the clock every loadgen process on this machine shares (CLOCK_MONOTONIC).</summary>
    public static long Now() => Stopwatch.GetTimestamp();
}
