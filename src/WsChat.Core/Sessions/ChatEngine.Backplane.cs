using System.Text;
using Microsoft.Extensions.Logging;
using WsChat.Core.Backplane;
using WsChat.Core.Ports;
using WsChat.Core.Shards;
using WsChat.Core.Users;
using WsChat.Net.Buffers;

namespace WsChat.Core.Sessions;

/// <summary>
/// Scale-out (issue 8): with a backplane attached, ids come from the cluster, stored messages are published to the
/// room's channel and every node's shards deliver them in id order (Shard.Backplane.cs). Here: attaching it, its
/// messages into the shards, DMs to this node's connections, the gap timer and the per-user subscriptions.
/// </summary>
/// <remarks>Nothing here runs on one node: <see cref="Backplane"/> stays null and the shards never look further.</remarks>
internal sealed partial class ChatEngine : IBackplaneReceiver
{
    private readonly Lock _userSubscriptionsLock = new();
    private readonly Dictionary<string, UserSubscription> _userSubscriptions = new(StringComparer.Ordinal);
    private IBackplane? _backplane;
    private byte[] _nodeId = [];
    private Timer? _backplaneTimer;

    /// <summary>The backplane (null: one node).</summary>
    public IBackplane? Backplane => _backplane;

    public BackplaneOptions BackplaneOptions { get; private set; } = new();

    public BackplaneMetrics BackplaneMetrics { get; } = new();

    /// <summary>/readyz's "redis" condition (null: one node).</summary>
    internal Diagnostics.IReadinessCheck? BackplaneReadiness { get; private set; }

    /// <summary>
    /// Joins this node to a cluster through <paramref name="backplane"/>. Call once, after storage is attached (the
    /// nodes share it: gaps are filled from it) and before the first connection.
    /// </summary>
    /// <exception cref="InvalidOperationException">No storage attached, or a backplane is attached already.</exception>
    public async Task AttachBackplaneAsync(IBackplane backplane, BackplaneOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backplane);
        if (Store is null) throw new InvalidOperationException("Several nodes need shared storage (PostgreSQL): attach it before the backplane.");
        if (_backplane is not null) throw new InvalidOperationException("A backplane is attached already.");
        BackplaneOptions = options ?? new BackplaneOptions();
        _nodeId = Encoding.ASCII.GetBytes(backplane.NodeId);
        _backplane = backplane;
        BackplaneReadiness = new BackplaneReadinessCheck(backplane);
        Metrics.Backplane = BackplaneMetrics;
        Users.CountChanged = backplane.SetConnectionCount;
        await backplane.StartAsync(this, cancellationToken).ConfigureAwait(false);
        TimeSpan tick = BackplaneOptions.TickInterval;
        _backplaneTimer = new Timer(static s => ((ChatEngine)s!).TickShards(), this, tick, tick);
    }

    /// <inheritdoc />
    public void OnMessage(BackplaneChannel channel, ReadOnlySpan<byte> message)
    {
        if (!BackplaneEnvelope.TryDecode(message, out BackplaneEnvelope envelope)) return;
        // Ours: delivered here already (a presence offline published for a node that died comes with its id, not ours).
        if (envelope.Node.SequenceEqual(_nodeId)) return;
        BackplaneMetrics.OnReceived();
        if (channel.Kind == BackplaneChannelKind.User)
        {
            if (envelope.Kind is EnvelopeKind.Dm or EnvelopeKind.DmVoid) ToPairShard(in envelope);
            else if (envelope.Kind == EnvelopeKind.Connections) RemoteConnections(channel.Name, envelope.Node, envelope.Id);
            return;
        }

        Span<byte> room = stackalloc byte[ProtocolRoomMax];
        int length = Encoding.UTF8.GetBytes(channel.Name.AsSpan(0, Math.Min(channel.Name.Length, ProtocolRoomMax)), room);
        Shard shard = ShardOf(ShardHash.Of(room[..length]));
        ShardCommand command;
        if (envelope.Kind == EnvelopeKind.Presence)
        {
            // Presence is counted per node (the shard keeps which nodes a user is on): ref = "node\nuser id".
            Span<byte> origin = stackalloc byte[envelope.Node.Length + 1 + envelope.UserId.Length];
            envelope.Node.CopyTo(origin);
            origin[envelope.Node.Length] = (byte)'\n';
            envelope.UserId.CopyTo(origin[(envelope.Node.Length + 1)..]);
            command = ShardCommand.Create(ShardCommandKind.Remote, null, room[..length], origin, envelope.Payload);
        }
        else
        {
            command = ShardCommand.Create(ShardCommandKind.Remote, null, room[..length], envelope.UserId, envelope.Payload);
        }

        command.Since = envelope.Id;
        command.Limit = (int)envelope.Kind;
        // A full shard drops it: the gap it leaves is filled from storage like a message pub/sub lost.
        if (!shard.Queue.TryEnqueue(in command)) command.ReturnData();
    }

    /// <inheritdoc />
    public void OnReconnected()
    {
        BackplaneMetrics.OnReconnect();
        BackplaneLog.Reconnected(Logger);
        foreach (Shard shard in _shards) shard.Queue.Enqueue(new ShardCommand { Kind = ShardCommandKind.BackplaneCatchUp });
        RetryUserSubscriptions();
        // Counts changed meanwhile (or Redis lost them): this node's afresh, the other nodes' read again.
        _backplane!.RecordConnectionCounts(Users.Counts());
        foreach (ChatUser user in Users.All) ReadElsewhere(user);
    }

    // Room names are at most 64 ASCII characters (PROTOCOL.md §3).
    private const int ProtocolRoomMax = 64;

    private void TickShards()
    {
        foreach (Shard shard in _shards)
        {
            if (shard.HasGaps) shard.Queue.Enqueue(new ShardCommand { Kind = ShardCommandKind.BackplaneTick });
        }
    }

    // A DM (or a DM id never stored) from another node: to the pair's shard, which delivers the pair's DMs in id order
    // (the user id field carries the pair's key). A full shard drops it: the gap is filled from storage.
    private void ToPairShard(in BackplaneEnvelope envelope)
    {
        ConversationKey key;
        try
        {
            key = ConversationKey.Parse(Encoding.UTF8.GetString(envelope.UserId));
        }
        catch (FormatException)
        {
            return;     // not a pair key: a node of an older version
        }

        if (!key.TryGetUsers(out ReadOnlySpan<char> first, out ReadOnlySpan<char> second)) return;
        Shard shard = ShardOf(ShardHash.OfPair(Encoding.UTF8.GetBytes(first.ToString()), Encoding.UTF8.GetBytes(second.ToString())));
        ShardCommand command = ShardCommand.Create(ShardCommandKind.RemoteDm, null, envelope.UserId, default, envelope.Payload);
        command.Since = envelope.Id;
        command.Limit = (int)envelope.Kind;
        if (!shard.Queue.TryEnqueue(in command)) command.ReturnData();
    }

    /// <summary>A user's first connection on this node: subscribe to their channel (DMs from other nodes).</summary>
    private void UserCameOnline(string userId)
    {
        if (_backplane is null) return;
        lock (_userSubscriptionsLock)
        {
            if (!_userSubscriptions.ContainsKey(userId)) _userSubscriptions.Add(userId, new UserSubscription { Task = Subscribe(userId) });
        }
    }

    /// <summary>The subscription to the user's channel, while the user has connections here (null otherwise).</summary>
    private Task? UserSubscriptionOf(string userId)
    {
        lock (_userSubscriptionsLock) return _userSubscriptions.TryGetValue(userId, out UserSubscription? s) ? s.Task : null;
    }

    private void UserWentOffline(string userId)
    {
        if (_backplane is null) return;
        Task<IDisposable>? task;
        lock (_userSubscriptionsLock)
        {
            // Decided on the directory, not a count: a connection closing while another authenticates cannot unbalance it.
            if (Users.Find(userId) is not null || !_userSubscriptions.TryGetValue(userId, out UserSubscription? existing)) return;
            _userSubscriptions.Remove(userId);
            task = existing.Task;
        }

        task.ContinueWith(static t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); }, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private Task<IDisposable> Subscribe(string userId)
    {
        try
        {
            return _backplane!.SubscribeAsync(new BackplaneChannel(BackplaneChannelKind.User, userId));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Task.FromException<IDisposable>(ex);
        }
    }

    // Subscriptions that failed while the backplane was down are made again once it is back.
    private void RetryUserSubscriptions()
    {
        lock (_userSubscriptionsLock)
        {
            foreach ((string userId, UserSubscription subscription) in _userSubscriptions)
            {
                if (subscription.Task.IsFaulted || subscription.Task.IsCanceled) subscription.Task = Subscribe(userId);
            }
        }
    }

    private void StopBackplane()
    {
        _backplaneTimer?.Dispose();
        _backplaneTimer = null;
    }

    private sealed class UserSubscription
    {
        public Task<IDisposable> Task = null!;
    }
}
