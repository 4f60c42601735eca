using WsChat.Net.Diagnostics;

namespace WsChat.Core.Diagnostics;

/// <summary>
/// The counters one shard owns: the connections that are members of its rooms, its rooms and their
/// members (rooms by hash(room) % N), deliveries, room messages, DMs, and the latency of a message
/// from its receipt to its being queued to the last member.
/// </summary>
/// <remarks>
/// Only the shard's loop writes these, so they are a <see cref="CounterBlock"/> of plain stores and
/// a single-owner <see cref="FixedHistogram"/>: counting a broadcast costs a few adds, no
/// interlocked instruction, no allocation. Any thread reads them at scrape time.
/// </remarks>
internal sealed class ShardMetrics
{
    private const int ConnectionsSlot = 0;
    private const int RoomsSlot = 1;
    private const int MembersSlot = 2;
    private const int DeliveriesSlot = 3;
    private const int RoomMessagesSlot = 4;
    private const int DirectMessagesSlot = 5;
    private const int SlotCount = 6;

    private readonly CounterBlock _cells = new(SlotCount);
    private Func<long>? _queueDepth;

    public ShardMetrics(int index) => Index = index;

    /// <summary>The shard's number (0..N-1).</summary>
    public int Index { get; }

    /// <summary>Latency in microseconds from a message's receipt (parsed off the socket) to its frame
    /// being queued to the last member.</summary>
    public FixedHistogram DeliveryLatency { get; } = new(HistogramBuckets.LatencyMicroseconds);

    /// <summary>A connection became a member of its first room on this shard (+1) or left its last (-1).</summary>
    public void ConnectionsChanged(int delta) => _cells.Add(ConnectionsSlot, delta);

    /// <summary>A room was created (+1) or removed (-1).</summary>
    public void RoomsChanged(int delta) => _cells.Add(RoomsSlot, delta);

    /// <summary>A connection joined (+1) or left (-1) one of this shard's rooms.</summary>
    public void MembersChanged(int delta) => _cells.Add(MembersSlot, delta);

    /// <summary>A room message was fanned out to <paramref name="deliveries"/> connections; call it once
    /// the frame is queued to the last member, with the <see cref="System.Diagnostics.Stopwatch"/> timestamp of its receipt.</summary>
    public void RoomMessageFannedOut(int deliveries, long receivedTimestamp)
    {
        _cells.Increment(RoomMessagesSlot);
        _cells.Add(DeliveriesSlot, deliveries);
        DeliveryLatency.Record(HistogramBuckets.MicrosecondsSince(receivedTimestamp));
    }

    /// <summary>A DM was queued to <paramref name="deliveries"/> connections (recipient's and sender's).</summary>
    public void DirectMessageSent(int deliveries)
    {
        _cells.Increment(DirectMessagesSlot);
        _cells.Add(DeliveriesSlot, deliveries);
    }

    /// <summary>Any other frame queued to <paramref name="deliveries"/> connections (presence, typing, replies).</summary>
    public void Delivered(int deliveries) => _cells.Add(DeliveriesSlot, deliveries);

    /// <summary>Registers how to read the shard's queue depth (called once, by the shard).</summary>
    public void ObserveQueueDepth(Func<long> depth) => _queueDepth = depth;

    /// <summary>Connections that are members of at least one of this shard's rooms.</summary>
    public long Connections => _cells.Read(ConnectionsSlot);

    /// <summary>Rooms owned by this shard.</summary>
    public long Rooms => _cells.Read(RoomsSlot);

    /// <summary>Memberships (connection, room) in this shard's rooms.</summary>
    public long RoomMembers => _cells.Read(MembersSlot);

    /// <summary>Frames queued to connections by this shard since start.</summary>
    public long Deliveries => _cells.Read(DeliveriesSlot);

    /// <summary>Room messages fanned out by this shard since start.</summary>
    public long RoomMessages => _cells.Read(RoomMessagesSlot);

    /// <summary>DMs sent by this shard since start.</summary>
    public long DirectMessages => _cells.Read(DirectMessagesSlot);

    /// <summary>Commands waiting in the shard's queue (0 until the shard registers its queue).</summary>
    public long QueueDepth => _queueDepth?.Invoke() ?? 0;
}
