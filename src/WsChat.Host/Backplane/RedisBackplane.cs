using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using WsChat.Core.Ports;
using WsChat.Net.Buffers;

namespace WsChat.Host.Backplane;

/// <summary>
/// <see cref="IBackplane"/> on Redis (StackExchange.Redis): ids from one counter per conversation (a Lua script, so
/// that seeding and incrementing are atomic), room and user channels on pub/sub. docs/architecture.md "Scale-out".
/// </summary>
/// <remarks>
/// <para>Keys: <c>{prefix}seq:{conversation}</c> (a counter per room and DM pair; no expiry: it is the id sequence).
/// Channels: <c>{prefix}room:{name}</c>, <c>{prefix}user:{id}</c>.</para>
/// <para>Outages: the node starts and runs without Redis (<c>AbortOnConnectFail=false</c>); while disconnected,
/// commands fail at once (<see cref="BacklogPolicy.FailFast"/>) so that a message is refused with
/// <c>server_busy</c> rather than queued; StackExchange.Redis reconnects and resubscribes by itself, and the chat is
/// told (<see cref="IBackplaneReceiver.OnReconnected"/>) so that it reads what it missed from storage.</para>
/// </remarks>
internal sealed partial class RedisBackplane : IBackplane
{
    // Reserves ARGV[1] ids and returns the last, or 0 when the sequence does not exist (never seeded, or Redis lost it).
    private const string NextScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
        return 0
        """;

    // Raises the sequence to at least ARGV[2] (another node may have seeded it meanwhile: never lower it), then reserves.
    private const string SeedScript = """
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        local seed = tonumber(ARGV[2])
        if current < seed then redis.call('SET', KEYS[1], seed) end
        return redis.call('INCRBY', KEYS[1], ARGV[1])
        """;

    // Removes a node that stopped refreshing its liveness key: its room records (returned as room, user id, name
    // triples, so that the caller publishes presence offline for them), its record set, its entry in the node set,
    // and its connection counts (the users are returned too: their other nodes are told the count is 0).
    // Atomic: of several nodes cleaning up at once, one gets the records, the others nothing.
    private const string ExpireNodeScript = """
        local entries = redis.call('SMEMBERS', KEYS[1])
        local out = {}
        for _, entry in ipairs(entries) do
          local at = string.find(entry, '\n', 1, true)
          if at then
            local room = string.sub(entry, 1, at - 1)
            local user = string.sub(entry, at + 1)
            local hash = ARGV[2] .. room
            local field = ARGV[1] .. '|' .. user
            local name = redis.call('HGET', hash, field)
            if name then
              redis.call('HDEL', hash, field)
              table.insert(out, room)
              table.insert(out, user)
              table.insert(out, name)
            end
          end
        end
        redis.call('DEL', KEYS[1])
        redis.call('SREM', KEYS[2], ARGV[1])
        local users = redis.call('SMEMBERS', KEYS[3])
        for _, user in ipairs(users) do redis.call('HDEL', ARGV[3] .. user, ARGV[1]) end
        redis.call('DEL', KEYS[3])
        return { out, users }
        """;

    // After a reconnect, StackExchange.Redis resubscribes in the background; reading storage before that finished
    // could miss what is published in between, so the catch-up waits this long (a message published meanwhile is
    // also caught by the gap check of the next one).
    private static readonly TimeSpan CatchUpDelay = TimeSpan.FromMilliseconds(500);

    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private bool _started;
    private ConnectionMultiplexer? _redis;
    private IBackplaneReceiver? _receiver;
    private long _publishFailures;
    private Timer? _liveness;
    private int _livenessRunning;

    public RedisBackplane(RedisOptions options, ILogger<RedisBackplane> logger)
    {
        _options = options;
        _logger = logger;
        NodeId = Guid.NewGuid().ToString("N")[..16];
    }

    public string NodeId { get; }

    public bool IsConnected => _redis?.IsConnected == true;

    /// <summary>Publishes that failed (Redis unreachable).</summary>
    public long PublishFailures => Interlocked.Read(ref _publishFailures);

    public async Task StartAsync(IBackplaneReceiver receiver, CancellationToken cancellationToken)
    {
        _receiver = receiver;
        ConfigurationOptions config = ConfigurationOptions.Parse(_options.ConnectionString!);
        config.AbortOnConnectFail = false;          // start (and serve local members) while Redis is down
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ClientName ??= "wschat-" + NodeId;
        if (!_options.ConnectionString!.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase)) config.ConnectTimeout = 2000;
        if (!_options.ConnectionString.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase)) config.AsyncTimeout = 2000;
        _redis = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
        _redis.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription) LogLost(_logger, e.FailureType.ToString(), e.Exception);
        };
        _redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType != ConnectionType.Subscription) return;
            LogRestored(_logger);
            _ = Task.Delay(CatchUpDelay, CancellationToken.None).ContinueWith(_ => receiver.OnReconnected(), TaskScheduler.Default);
        };
        LogStarted(_logger, NodeId, _redis.IsConnected);
        TimeSpan every = _options.NodeTtl / 3;
        _liveness = new Timer(static s => _ = ((RedisBackplane)s!).RefreshLivenessAsync(), this, TimeSpan.Zero, every);
    }

    public void SetRoomMember(string room, string userId, string username, bool present)
    {
        try
        {
            IDatabase db = _redis!.GetDatabase();
            RedisKey hash = _options.KeyPrefix + "members:" + room;
            string field = NodeId + "|" + userId;
            string record = room + "\n" + userId;
            if (present)
            {
                db.HashSet(hash, field, username, flags: CommandFlags.FireAndForget);
                db.SetAdd(NodeMembersKey(NodeId), record, CommandFlags.FireAndForget);
            }
            else
            {
                db.HashDelete(hash, field, CommandFlags.FireAndForget);
                db.SetRemove(NodeMembersKey(NodeId), record, CommandFlags.FireAndForget);
            }
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException)
        {
            // Redis is down: recorded again after the reconnect (the chat re-records every member then).
        }
    }

    public async Task<IReadOnlyList<BackplaneMember>> GetRoomMembersAsync(string room)
    {
        IDatabase db = (_redis ?? throw new InvalidOperationException("Start the backplane first.")).GetDatabase();
        HashEntry[] entries = await db.HashGetAllAsync(_options.KeyPrefix + "members:" + room).ConfigureAwait(false);
        var members = new List<BackplaneMember>(entries.Length);
        foreach (HashEntry entry in entries)
        {
            string field = entry.Name.ToString();
            int bar = field.IndexOf('|', StringComparison.Ordinal);
            if (bar <= 0) continue;
            string node = field[..bar];
            if (node == NodeId) continue;
            members.Add(new BackplaneMember(node, field[(bar + 1)..], entry.Value.ToString()));
        }

        return members;
    }

    private RedisKey NodeMembersKey(string node) => _options.KeyPrefix + "node:" + node + ":members";

    // Every NodeTtl/3: this node's liveness key, and the removal of nodes whose key expired (crashed, or cut off
    // from Redis longer than NodeTtl): their users go offline for everyone within NodeTtl + NodeTtl/3.
    private async Task RefreshLivenessAsync()
    {
        if (Interlocked.Exchange(ref _livenessRunning, 1) != 0) return;
        try
        {
            ConnectionMultiplexer? redis = _redis;
            if (redis is null || !redis.IsConnected) return;
            IDatabase db = redis.GetDatabase();
            RedisKey nodes = _options.KeyPrefix + "nodes";
            bool existed = await db.KeyExistsAsync(_options.KeyPrefix + "node:" + NodeId).ConfigureAwait(false);
            await db.StringSetAsync(_options.KeyPrefix + "node:" + NodeId, "1", _options.NodeTtl).ConfigureAwait(false);
            bool added = await db.SetAddAsync(nodes, NodeId).ConfigureAwait(false);
            if (!existed && added && _started)
            {
                // The others took this node for dead (or Redis lost everything): its records are gone; record again.
                _receiver!.OnReconnected();
            }

            _started = true;
            foreach (RedisValue other in await db.SetMembersAsync(nodes).ConfigureAwait(false))
            {
                string node = other.ToString();
                if (node == NodeId || await db.KeyExistsAsync(_options.KeyPrefix + "node:" + node).ConfigureAwait(false)) continue;
                RedisResult result = await db.ScriptEvaluateAsync(ExpireNodeScript, [NodeMembersKey(node), nodes, NodeUsersKey(node)],
                    [node, _options.KeyPrefix + "members:", _options.KeyPrefix + "conns:"]).ConfigureAwait(false);
                var parts = (RedisResult[])result!;
                var records = (RedisResult[])parts[0]!;
                var users = (RedisResult[])parts[1]!;
                LogNodeExpired(_logger, node, records.Length / 3);
                for (int i = 0; i + 2 < records.Length; i += 3)
                {
                    PublishOffline(node, records[i].ToString(), records[i + 1].ToString(), records[i + 2].ToString());
                }

                foreach (RedisResult user in users) PublishCount(user.ToString(), 0, node);
            }
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException)
        {
            // Redis is down: next time.
        }
        finally
        {
            Volatile.Write(ref _livenessRunning, 0);
        }
    }

    // presence offline for a user of a dead node, published in that node's name (the receivers count per node).
    private void PublishOffline(string node, string room, string userId, string username)
    {
        SharedFrame frame = WsChat.Core.Shards.Frames.Presence(Encoding.ASCII.GetBytes(room), Encoding.UTF8.GetBytes(username), Encoding.UTF8.GetBytes(userId), online: false);
        try
        {
            Publish(new BackplaneChannel(BackplaneChannelKind.Room, room),
                WsChat.Core.Backplane.BackplaneEnvelope.Encode(WsChat.Core.Backplane.EnvelopeKind.Presence, node, 0, Encoding.UTF8.GetBytes(userId), frame.Payload));
        }
        finally
        {
            frame.Release();
        }
    }

    public async Task<IDisposable> SubscribeAsync(BackplaneChannel channel)
    {
        ConnectionMultiplexer redis = _redis ?? throw new InvalidOperationException("Start the backplane first.");
        ChannelMessageQueue queue = await redis.GetSubscriber().SubscribeAsync(ChannelOf(channel)).ConfigureAwait(false);
        IBackplaneReceiver receiver = _receiver!;
        // One queue per subscription: its messages are handed over one at a time, in the order Redis sent them.
        queue.OnMessage(message => receiver.OnMessage(channel, ((ReadOnlyMemory<byte>)message.Message).Span));
        return new Subscription(queue);
    }

    public void Publish(BackplaneChannel channel, byte[] message)
    {
        try
        {
            _redis!.GetSubscriber().Publish(ChannelOf(channel), message, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or InvalidOperationException)
        {
            // At most once: the other nodes notice the missing id and read it from storage.
            Interlocked.Increment(ref _publishFailures);
        }
    }

    public async Task<long> NextIdAsync(ConversationKey conversation, int count, Func<CancellationToken, Task<long>> storedLastId, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        IDatabase db = (_redis ?? throw new InvalidOperationException("Start the backplane first.")).GetDatabase();
        RedisKey key = _options.KeyPrefix + "seq:" + conversation.Value;
        long id = (long)await db.ScriptEvaluateAsync(NextScript, [key], [count]).ConfigureAwait(false);
        if (id > 0) return id;
        // First id of this conversation in this Redis: continue from storage. A conversation with stored messages
        // may have ids on their way to storage that Redis gave out before it lost its data: leave room for them.
        long stored = await storedLastId(cancellationToken).ConfigureAwait(false);
        long seed = stored == 0 ? 0 : stored + _options.SeedMargin;
        id = (long)await db.ScriptEvaluateAsync(SeedScript, [key], [count, seed]).ConfigureAwait(false);
        LogSeeded(_logger, conversation.Value, stored, id);
        return id;
    }

    public async ValueTask DisposeAsync()
    {
        if (_liveness is not null) await _liveness.DisposeAsync().ConfigureAwait(false);
        if (_redis is not null) await _redis.DisposeAsync().ConfigureAwait(false);
    }

    private RedisChannel ChannelOf(BackplaneChannel channel) => RedisChannel.Literal(
        _options.KeyPrefix + (channel.Kind == BackplaneChannelKind.Room ? "room:" : "user:") + channel.Name);

    [LoggerMessage(EventId = 4451, Level = LogLevel.Information, Message = "Redis backplane started: node {NodeId}, connected: {Connected}")]
    private static partial void LogStarted(ILogger logger, string nodeId, bool connected);

    [LoggerMessage(EventId = 4452, Level = LogLevel.Warning, Message = "Redis connection lost ({Failure}); room messages and DMs are refused with server_busy until it is back")]
    private static partial void LogLost(ILogger logger, string failure, Exception? exception);

    [LoggerMessage(EventId = 4453, Level = LogLevel.Warning, Message = "Redis connection restored")]
    private static partial void LogRestored(ILogger logger);

    [LoggerMessage(EventId = 4454, Level = LogLevel.Information, Message = "Id sequence of {Conversation} seeded from storage (newest stored id {Stored}); next id {Id}")]
    private static partial void LogSeeded(ILogger logger, string conversation, long stored, long id);

    [LoggerMessage(EventId = 4455, Level = LogLevel.Warning, Message = "Node {Node} stopped refreshing its liveness key: removed, {Count} room memberships offline")]
    private static partial void LogNodeExpired(ILogger logger, string node, int count);

    private sealed class Subscription(ChannelMessageQueue queue) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            try
            {
                queue.Unsubscribe(CommandFlags.FireAndForget);
            }
            catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
            {
                // Redis is down: the server dropped the subscription with the connection; resubscription skips it.
            }
        }
    }
}
