using StackExchange.Redis;
using WsChat.Core.Backplane;
using WsChat.Core.Ports;

namespace WsChat.Host.Backplane;

/// <summary>
/// Connections per user and the user rate limit, cluster-wide (issue 8; docs/architecture.md "Connections and rate
/// limits across nodes"). Keys: <c>{prefix}conns:{user}</c> (hash: node id → that node's connections of the user),
/// <c>{prefix}node:{node}:users</c> (the users a node has counted, so that its counts go when it dies),
/// <c>{prefix}rate:{user}</c> (the user's token bucket while they are on several nodes; expires when idle).
/// </summary>
internal sealed partial class RedisBackplane
{
    // KEYS[1] the user's count hash, KEYS[2] this node's user set. ARGV: node, local count (the new connection
    // included), max, liveness key prefix, user id. Returns the other live nodes' connections, or -1 - that when the
    // connection is refused. A field of a node whose liveness key expired counts for nothing and is removed here
    // (the liveness sweep removes it too, this only makes the limit exact right away).
    private const string AdmitScript = """
        local all = redis.call('HGETALL', KEYS[1])
        local others = 0
        for i = 1, #all, 2 do
          local node = all[i]
          if node ~= ARGV[1] then
            if redis.call('EXISTS', ARGV[4] .. node) == 1 then others = others + tonumber(all[i + 1])
            else redis.call('HDEL', KEYS[1], node) end
          end
        end
        if others + tonumber(ARGV[2]) > tonumber(ARGV[3]) then return -1 - others end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[5])
        return others
        """;

    // KEYS[1] the user's count hash, KEYS[2] this node's user set; ARGV: node, count, user id.
    private const string SetCountScript = """
        if tonumber(ARGV[2]) > 0 then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
          redis.call('SADD', KEYS[2], ARGV[3])
        else
          redis.call('HDEL', KEYS[1], ARGV[1])
          redis.call('SREM', KEYS[2], ARGV[3])
        end
        return 0
        """;

    // KEYS[1] this node's user set; ARGV: node, count hash prefix, then user id, count pairs. Replaces every count
    // of this node (users no longer here lose their field).
    private const string RecordCountsScript = """
        for _, user in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('HDEL', ARGV[2] .. user, ARGV[1]) end
        redis.call('DEL', KEYS[1])
        for i = 3, #ARGV, 2 do
          redis.call('HSET', ARGV[2] .. ARGV[i], ARGV[1], ARGV[i + 1])
          redis.call('SADD', KEYS[1], ARGV[i])
        end
        return 0
        """;

    // PROTOCOL.md §5's token bucket, in Redis time (the nodes' clocks do not matter). KEYS[1] the bucket (hash t =
    // tokens, at = ms); ARGV: rate per second, burst. Returns 0 when a token was taken, otherwise the ms until one is
    // available (nothing taken). Expires once it would be full again anyway. replicate_commands: Redis 5 and 6 refuse
    // a write after TIME in a script otherwise (7 always replicates effects and ignores it).
    private const string TakeTokenScript = """
        redis.replicate_commands()
        local now = redis.call('TIME')
        local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local state = redis.call('HMGET', KEYS[1], 't', 'at')
        local tokens = burst
        if state[1] then
          tokens = math.min(burst, tonumber(state[1]) + math.max(0, ms - tonumber(state[2])) * rate / 1000)
        end
        local retry = 0
        if tokens >= 1 then tokens = tokens - 1
        else retry = math.max(1, math.ceil((1 - tokens) * 1000 / rate)) end
        redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', ms)
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
        return retry
        """;

    public async Task<ConnectionAdmission> AdmitConnectionAsync(string userId, int localCount, int maxConnections)
    {
        IDatabase db = (_redis ?? throw new InvalidOperationException("Start the backplane first.")).GetDatabase();
        long result = (long)await db.ScriptEvaluateAsync(AdmitScript, [ConnectionsKey(userId), NodeUsersKey(NodeId)],
            [NodeId, localCount, maxConnections, _options.KeyPrefix + "node:", userId]).ConfigureAwait(false);
        if (result < 0) return new ConnectionAdmission(false, (int)(-1 - result));
        PublishCount(userId, localCount);
        return new ConnectionAdmission(true, (int)result);
    }

    public void SetConnectionCount(string userId, int localCount)
    {
        try
        {
            _redis!.GetDatabase().ScriptEvaluate(SetCountScript, [ConnectionsKey(userId), NodeUsersKey(NodeId)], [NodeId, localCount, userId],
                CommandFlags.FireAndForget);
            PublishCount(userId, localCount);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException)
        {
            // Redis is down: the chat records every count again after the reconnect.
        }
    }

    public void RecordConnectionCounts(IReadOnlyCollection<KeyValuePair<string, int>> counts)
    {
        var arguments = new RedisValue[2 + (2 * counts.Count)];
        arguments[0] = NodeId;
        arguments[1] = _options.KeyPrefix + "conns:";
        int at = 2;
        foreach ((string user, int count) in counts)
        {
            arguments[at++] = user;
            arguments[at++] = count;
        }

        try
        {
            _redis!.GetDatabase().ScriptEvaluate(RecordCountsScript, [NodeUsersKey(NodeId)], arguments, CommandFlags.FireAndForget);
            foreach ((string user, int count) in counts) PublishCount(user, count);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException)
        {
            // Down again: the next reconnect records them.
        }
    }

    public async Task<IReadOnlyList<KeyValuePair<string, int>>> GetConnectionCountsAsync(string userId)
    {
        IDatabase db = (_redis ?? throw new InvalidOperationException("Start the backplane first.")).GetDatabase();
        HashEntry[] entries = await db.HashGetAllAsync(ConnectionsKey(userId)).ConfigureAwait(false);
        var counts = new List<KeyValuePair<string, int>>(entries.Length);
        foreach (HashEntry entry in entries)
        {
            string node = entry.Name.ToString();
            if (node != NodeId && entry.Value.TryParse(out int count)) counts.Add(new(node, count));
        }

        return counts;
    }

    public async Task<int> TakeRateTokenAsync(string userId, double ratePerSecond, int burst)
    {
        IDatabase db = (_redis ?? throw new InvalidOperationException("Start the backplane first.")).GetDatabase();
        return (int)(long)await db.ScriptEvaluateAsync(TakeTokenScript, [(RedisKey)(_options.KeyPrefix + "rate:" + userId)], [ratePerSecond, burst])
            .ConfigureAwait(false);
    }

    // The other nodes with connections of the user keep its count (they are subscribed to its channel): the rate
    // limit goes through Redis only while a user is on several nodes.
    private void PublishCount(string userId, int count, string? node = null) =>
        Publish(new BackplaneChannel(BackplaneChannelKind.User, userId),
            BackplaneEnvelope.Encode(EnvelopeKind.Connections, node ?? NodeId, count, System.Text.Encoding.UTF8.GetBytes(userId), default));

    private RedisKey ConnectionsKey(string userId) => _options.KeyPrefix + "conns:" + userId;

    private RedisKey NodeUsersKey(string node) => _options.KeyPrefix + "node:" + node + ":users";
}
