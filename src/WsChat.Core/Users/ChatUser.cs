using System.Text;
using WsChat.Core.Limits;
using WsChat.Core.Sessions;

namespace WsChat.Core.Users;

/// <summary>
/// One user with at least one live connection on this node: their connections (for DMs) and their
/// rate-limit bucket, shared by all of them (PROTOCOL.md §5: the bucket is per user).
/// </summary>
/// <remarks>
/// Users have no shard of their own. Everything about a user is either written only when one of
/// their connections opens or closes (<see cref="Sessions"/>: copy-on-write under the directory's
/// lock, read without a lock by the DM pair's shard), or shared by their connections' read paths
/// (the bucket: a short lock, uncontended unless one user floods from several connections). A hop
/// through a user shard would cost a queue operation per DM and order nothing that the DM pair's
/// shard does not order already.
/// </remarks>
internal sealed class ChatUser
{
    private ChatSession[] _sessions = [];

    // Guarded by a monitor on this user (no lock object per user: 40 bytes each, issue 5's idle budget).
    private TokenBucket _bucket;

    // Several nodes only (issue 8), under the same monitor: the user's connection counts on other nodes (null
    // until a node reports one) and their sum.
    private Elsewhere? _elsewhere;

    // Null when the name is the id (a token without a name, or name = sub as the loadgen's): one reference per user
    // instead of two (issue 5's idle budget).
    private readonly DisplayName? _name;

    /// <param name="id">The user id (JWT <c>sub</c>).</param>
    /// <param name="name">The display name of the connection that brought the user online.</param>
    /// <param name="bucket">The user's rate-limit bucket.</param>
    /// <param name="onlineSinceMs">Now (ms since the epoch, UTC): when the user came online on this node.</param>
    public ChatUser(string id, string name, TokenBucket bucket, long onlineSinceMs)
    {
        Id = id;
        IdUtf8 = Encoding.UTF8.GetBytes(id);
        // A token without a name (or with name = sub, as the loadgen's) shares the id's string and bytes.
        if (!string.Equals(id, name, StringComparison.Ordinal)) _name = new DisplayName(name, Encoding.UTF8.GetBytes(name));
        _bucket = bucket;
        OnlineSinceMs = onlineSinceMs;
    }

    /// <summary>When this user came online on this node (ms since the epoch, UTC): several nodes deliver the DMs sent
    /// from then on (a DM's timestamp is taken when its id is).</summary>
    public long OnlineSinceMs { get; }

    /// <summary>The user id (JWT <c>sub</c>).</summary>
    public string Id { get; }

    /// <summary>The user id as UTF-8, shared by every connection of the user (for the writer and the DM pair hash).</summary>
    public byte[] IdUtf8 { get; }

    /// <summary>The display name of the connection that brought the user online; connections whose token
    /// names them otherwise keep their own (<see cref="ChatSession.Username"/>).</summary>
    public string Name => _name?.Name ?? Id;

    /// <summary><see cref="Name"/> as UTF-8.</summary>
    public byte[] NameUtf8 => _name?.Utf8 ?? IdUtf8;

    /// <summary>The user's live, authenticated connections on this node; a snapshot, never mutated in place.</summary>
    public ChatSession[] Sessions
    {
        get => Volatile.Read(ref _sessions);
        internal set => Volatile.Write(ref _sessions, value);
    }

    /// <summary>Takes one token of the user's <c>message</c>/<c>dm</c>/<c>typing</c> budget (PROTOCOL.md §5). Thread-safe.</summary>
    public bool TryTake(long nowTimestamp, out int retryAfterMs)
    {
        // Uncontended unless one user floods from several connections at once; a monitor costs no allocation then.
        lock (this) return _bucket.TryTake(nowTimestamp, out retryAfterMs);
    }

    /// <summary>True while the user has connections on other nodes too (issue 8): their rate is then counted in the
    /// backplane's bucket, shared by every node, instead of this one.</summary>
    public bool OnSeveralNodes => Volatile.Read(ref _elsewhere) is { Sum: > 0 };

    /// <summary>Another node has <paramref name="count"/> connections of this user now. Thread-safe.</summary>
    public void SetElsewhere(string node, int count)
    {
        lock (this)
        {
            Dictionary<string, int> nodes = _elsewhere?.Nodes ?? new Dictionary<string, int>(StringComparer.Ordinal);
            if (count > 0) nodes[node] = count;
            else nodes.Remove(node);
            Volatile.Write(ref _elsewhere, new Elsewhere(nodes, nodes.Values.Sum()));
        }
    }

    /// <summary>The user's connections on the other nodes, all of them (replacing what was known). Thread-safe.</summary>
    public void SetElsewhere(IReadOnlyList<KeyValuePair<string, int>> counts)
    {
        lock (this)
        {
            var nodes = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach ((string node, int count) in counts)
            {
                if (count > 0) nodes[node] = count;
            }

            Volatile.Write(ref _elsewhere, new Elsewhere(nodes, nodes.Values.Sum()));
        }
    }

    private sealed record DisplayName(string Name, byte[] Utf8);

    /// <summary>Several nodes only: the user's connection counts on the other nodes (written under the monitor) and
    /// their sum (read without it). Null until a node reports one.</summary>
    private sealed record Elsewhere(Dictionary<string, int> Nodes, int Sum);
}
