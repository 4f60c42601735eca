namespace WsChat.Core.Backplane;

/// <summary>
/// A room's side of the backplane on this node, while the node has members in it: the subscription to the room's
/// channel and the sequencer that puts the messages of every node back in id order. Owned by the room's shard.
/// </summary>
internal sealed class RoomLink(IDisposable subscription, long delivered)
{
    /// <summary>The room channel's subscription (disposed when the node's last member leaves).</summary>
    public IDisposable Subscription { get; } = subscription;

    public MessageSequencer Sequencer { get; } = new(delivered);

    /// <summary>A storage read after the last delivered id is on its way.</summary>
    public bool Filling { get; set; }

    /// <summary>Stopwatch timestamp before which no new fill starts (one read per <see cref="BackplaneOptions.GapFillDelay"/>).</summary>
    public long NextFillAt { get; set; }

    /// <summary>Set when the node reconnected to the backplane: read storage once even without a gap.</summary>
    public bool CatchUpRequested { get; set; }
}
