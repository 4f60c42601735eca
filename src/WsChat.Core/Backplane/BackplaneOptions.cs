namespace WsChat.Core.Backplane;

/// <summary>How a node waits for and fills gaps in a room's ids (docs/architecture.md "Scale-out").</summary>
internal sealed class BackplaneOptions
{
    /// <summary>How long a later id waits for a missing one before storage is read. Default 300 ms: pub/sub
    /// messages from several nodes overtake each other by a few milliseconds, a lost one is not coming.</summary>
    public TimeSpan GapFillDelay { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long after a gap appeared an id still missing from storage is given up (it never committed:
    /// its node crashed between taking the id and storing it). Default 6 s: longer than the batch writer's 5 s
    /// commit timeout, so that a slow commit is still waited for.</summary>
    public TimeSpan GapSkipAfter { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>How often shards look at their gaps. Default 100 ms.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}
