using WsChat.Core.Rooms;

namespace WsChat.Core.Users;

/// <summary>
/// The direct messages between two users: their id sequence and last messages. Owned by the shard
/// <c>hash(pair) % N</c>, so the pair's ids increase in one place (PROTOCOL.md §4). Not thread-safe.
/// </summary>
internal sealed class DmPair(string key, string first, string second, int historySize)
{
    /// <summary>The conversation key, <c>@{first.Length}:{first}{second}</c> — the storage key of the pair.</summary>
    public string Key { get; } = key;

    /// <summary>The user id that sorts first (ordinal).</summary>
    public string First { get; } = first;

    public string Second { get; } = second;

    public long LastId { get; set; }

    public MessageRing History { get; } = new(historySize);

    /// <summary>Several nodes: the pair's order on this node while one of its users is here (null otherwise).</summary>
    public Backplane.DmLink? Link { get; set; }

    /// <summary>Its stored side when persistence is on (null otherwise).</summary>
    public Shards.ConversationStorage? Storage { get; set; }

    public byte[] FirstUtf8 { get; } = System.Text.Encoding.UTF8.GetBytes(first);

    public byte[] SecondUtf8 { get; } = System.Text.Encoding.UTF8.GetBytes(second);

    /// <summary>The other user of the pair as UTF-8 (no allocation).</summary>
    public byte[] OtherUtf8(string userId) => string.Equals(userId, First, StringComparison.Ordinal) ? SecondUtf8 : FirstUtf8;
}
