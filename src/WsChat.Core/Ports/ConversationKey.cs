using System.Globalization;

namespace WsChat.Core.Ports;

/// <summary>
/// Identifies one conversation whose messages share an id sequence: a room, or the direct-message
/// pair of two users (PROTOCOL.md §4: ids increase "within one room (or one DM pair)").
/// </summary>
/// <remarks>
/// The key is one string, so that it is one column in storage and one reference (8 bytes) in a
/// <see cref="StoredMessage"/>. Rooms are <c>#name</c> (room names never contain <c>#</c> or <c>@</c>,
/// PROTOCOL.md §3); a DM pair is <c>@{len}:{first}{second}</c>, the two user ids in ordinal order with
/// the first one's length in front, so any user id (JWT <c>sub</c> is free text) round-trips and
/// (a, b) and (b, a) are the same pair. Immutable and thread-safe.
/// </remarks>
public readonly struct ConversationKey : IEquatable<ConversationKey>
{
    private const char RoomPrefix = '#';
    private const char DirectPrefix = '@';

    private ConversationKey(string value) => Value = value;

    /// <summary>The canonical string form, as stored in the <c>conversation</c> column.</summary>
    public string Value { get; }

    /// <summary>True for a room, false for a direct-message pair (or the default value).</summary>
    public bool IsRoom => Value is { Length: > 0 } && Value[0] == RoomPrefix;

    /// <summary>True for a direct-message pair.</summary>
    public bool IsDirect => Value is { Length: > 0 } && Value[0] == DirectPrefix;

    /// <summary>The room name (empty for a DM pair); a view of <see cref="Value"/>, no allocation.</summary>
    public ReadOnlySpan<char> RoomName => IsRoom ? Value.AsSpan(1) : default;

    /// <summary>The key of room <paramref name="name"/>. Allocates the key string once: keep it in the room.</summary>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public static ConversationKey Room(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new ConversationKey(string.Concat("#", name));
    }

    /// <summary>The key of the DM pair of two users, the same whichever order they are given in.</summary>
    /// <exception cref="ArgumentException">A user id is empty.</exception>
    public static ConversationKey Direct(string userA, string userB)
    {
        ArgumentException.ThrowIfNullOrEmpty(userA);
        ArgumentException.ThrowIfNullOrEmpty(userB);
        (string first, string second) = string.CompareOrdinal(userA, userB) <= 0 ? (userA, userB) : (userB, userA);
        return new ConversationKey(string.Create(CultureInfo.InvariantCulture, $"@{first.Length}:{first}{second}"));
    }

    /// <summary>Rebuilds a key from its <see cref="Value"/> (as read back from storage).</summary>
    /// <exception cref="FormatException">The value is not a key this type produced.</exception>
    public static ConversationKey Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var key = new ConversationKey(value);
        if (key.IsRoom && value.Length > 1) return key;
        if (key.IsDirect && key.TryGetUsers(out _, out _)) return key;
        throw new FormatException("Not a conversation key.");
    }

    /// <summary>For a DM pair, the two user ids in ordinal order (views of <see cref="Value"/>).</summary>
    public bool TryGetUsers(out ReadOnlySpan<char> first, out ReadOnlySpan<char> second)
    {
        first = second = default;
        if (!IsDirect) return false;
        ReadOnlySpan<char> rest = Value.AsSpan(1);
        int colon = rest.IndexOf(':');
        if (colon <= 0 || !int.TryParse(rest[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out int length)) return false;
        rest = rest[(colon + 1)..];
        if (length <= 0 || length >= rest.Length) return false;
        first = rest[..length];
        second = rest[length..];
        return true;
    }

    /// <summary>For a DM pair, the user that is not <paramref name="userId"/> (the other side of the conversation).</summary>
    public bool TryGetPeer(ReadOnlySpan<char> userId, out ReadOnlySpan<char> peer)
    {
        peer = default;
        if (!TryGetUsers(out ReadOnlySpan<char> first, out ReadOnlySpan<char> second)) return false;
        if (first.SequenceEqual(userId)) peer = second;
        else if (second.SequenceEqual(userId)) peer = first;
        else return false;
        return true;
    }

    /// <inheritdoc />
    public bool Equals(ConversationKey other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConversationKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Value is null ? 0 : string.GetHashCode(Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;

    /// <summary>Ordinal equality of the keys.</summary>
    public static bool operator ==(ConversationKey left, ConversationKey right) => left.Equals(right);

    /// <summary>Ordinal inequality of the keys.</summary>
    public static bool operator !=(ConversationKey left, ConversationKey right) => !left.Equals(right);
}
