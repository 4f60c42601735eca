using WsChat.Core.Auth;
using WsChat.Core.Protocol;
using WsChat.Net.Diagnostics;

namespace WsChat.Core.Diagnostics;

/// <summary>
/// All of the chat's counters: one <see cref="ShardMetrics"/> block per shard (single writer each),
/// plus the events counted on connection threads (messages received by type, errors by code, rate
/// limiting, auth failures) in <see cref="StripedCounters"/>, and <see cref="StorageMetrics"/>.
/// One instance per <c>ChatServer</c>; the Host folds it at scrape time.
/// </summary>
internal sealed class ChatMetrics
{
    private static readonly int s_typeCount = ChatErrorLabels.MessageTypes.Length;
    private static readonly int s_errorCount = ChatErrorLabels.ErrorCodes.Length;
    private static readonly int s_authCount = ChatErrorLabels.AuthFailureReasons.Length;
    private static readonly int s_bucketCount = ChatErrorLabels.RateLimitBuckets.Length;

    // Slots of _events: types, then errors, then auth reasons, then rate-limit buckets, then flood closes.
    private static readonly int s_errorBase = s_typeCount;
    private static readonly int s_authBase = s_errorBase + s_errorCount;
    private static readonly int s_bucketBase = s_authBase + s_authCount;
    private static readonly int s_floodSlot = s_bucketBase + s_bucketCount;

    private readonly StripedCounters _events = new(s_floodSlot + 1);
    private readonly ShardMetrics[] _shards;
    private Func<long>? _users;
    private Func<long>? _authenticated;

    /// <param name="shardCount">Number of shards (one block each).</param>
    public ChatMetrics(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardCount);
        _shards = new ShardMetrics[shardCount];
        for (int i = 0; i < shardCount; i++) _shards[i] = new ShardMetrics(i);
    }

    /// <summary>The per-shard blocks, indexed by shard number.</summary>
    public IReadOnlyList<ShardMetrics> Shards => _shards;

    /// <summary>Storage's batch and commit figures.</summary>
    public StorageMetrics Storage { get; } = new();

    /// <summary>Scale-out figures; null on one node.</summary>
    public Backplane.BackplaneMetrics? Backplane { get; set; }

    /// <summary>The block of shard <paramref name="index"/> (for the shard to keep).</summary>
    public ShardMetrics Shard(int index) => _shards[index];

    /// <summary>A client message of this type was read (any thread).</summary>
    public void MessageReceived(ReceivedMessageType type) => _events.Increment((int)type);

    /// <summary>A parsed client command (any thread); <see cref="CommandType.None"/> counts as invalid.</summary>
    public void MessageReceived(CommandType type) =>
        _events.Increment(type is > CommandType.None and <= CommandType.Ping ? (int)type - 1 : (int)ReceivedMessageType.Invalid);

    /// <summary>An <c>error</c> message with this code was sent (any thread).</summary>
    public void Error(ErrorCode code) => Error((int)code - 1);

    /// <summary>An <c>error</c> message was sent; <paramref name="codeIndex"/> indexes <see cref="ChatErrorLabels.ErrorCodes"/>.</summary>
    public void Error(int codeIndex) =>
        _events.Increment(s_errorBase + ((uint)codeIndex < (uint)(s_errorCount - 1) ? codeIndex : s_errorCount - 1));

    /// <summary>A token was refused (any thread); <see cref="AuthFailure.None"/> is ignored.</summary>
    public void AuthFailed(AuthFailure failure)
    {
        if (failure != AuthFailure.None) _events.Increment(s_authBase + ChatErrorLabels.AuthSlot(failure));
    }

    /// <summary>An authentication failed for a reason other than the token's contents (any thread).</summary>
    public void AuthFailed(AuthFailureReason reason) => _events.Increment(s_authBase + ChatErrorLabels.AuthSlot(reason));

    /// <summary>A command was refused by a token bucket (any thread).</summary>
    public void RateLimited(RateLimitBucket bucket) => _events.Increment(s_bucketBase + (int)bucket);

    /// <summary>A connection kept flooding after <c>rate_limited</c> and was closed with 1008.</summary>
    public void FloodClosed() => _events.Increment(s_floodSlot);

    /// <summary>Messages received of this type since start.</summary>
    public long MessagesReceived(ReceivedMessageType type) => _events.Sum((int)type);

    /// <summary>Errors sent with the code at <paramref name="codeIndex"/> of <see cref="ChatErrorLabels.ErrorCodes"/>.</summary>
    public long Errors(int codeIndex) =>
        (uint)codeIndex < (uint)s_errorCount ? _events.Sum(s_errorBase + codeIndex) : throw new ArgumentOutOfRangeException(nameof(codeIndex));

    /// <summary>Authentication failures with the label at <paramref name="labelIndex"/> of <see cref="ChatErrorLabels.AuthFailureReasons"/>.</summary>
    public long AuthFailures(int labelIndex) =>
        (uint)labelIndex < (uint)s_authCount ? _events.Sum(s_authBase + labelIndex) : throw new ArgumentOutOfRangeException(nameof(labelIndex));

    /// <summary>Commands refused by this bucket since start.</summary>
    public long RateLimitedTotal(RateLimitBucket bucket) => _events.Sum(s_bucketBase + (int)bucket);

    /// <summary>Flood closes since start.</summary>
    public long FloodCloses => _events.Sum(s_floodSlot);

    /// <summary>Registers how to read the users online and their authenticated connections (the user directory
    /// knows both; they are read at scrape time, so authenticating counts nothing). Called once, by the engine.</summary>
    public void ObserveUsers(Func<long> users, Func<long> authenticatedConnections)
    {
        _users = users;
        _authenticated = authenticatedConnections;
    }

    /// <summary>Users with at least one authenticated connection (0 until the engine registers).</summary>
    public long Users => _users?.Invoke() ?? 0;

    /// <summary>Authenticated connections (0 until the engine registers).</summary>
    public long AuthenticatedConnections => _authenticated?.Invoke() ?? 0;

    /// <summary>Sum of a per-shard figure over all shards.</summary>
    public long SumShards(Func<ShardMetrics, long> figure)
    {
        long sum = 0;
        foreach (ShardMetrics shard in _shards) sum += figure(shard);
        return sum;
    }
}
