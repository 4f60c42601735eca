namespace WsChat.Core.Protocol;

/// <summary>Size limits of PROTOCOL.md §3 and §5 that the reader enforces, all in Unicode code points.</summary>
internal static class ProtocolLimits
{
    /// <summary>§3: <c>ref</c> is at most 64 characters.</summary>
    public const int MaxRefLength = 64;

    /// <summary>§3: room names are 1 to 64 characters from <c>[A-Za-z0-9_.:-]</c>.</summary>
    public const int MaxRoomLength = 64;

    /// <summary>§5: <c>text</c> is at most 4096 characters by default (configurable).</summary>
    public const int DefaultMaxTextLength = 4096;

    /// <summary>§3: history <c>limit</c> is 1..100.</summary>
    public const int MaxHistoryLimit = 100;

    /// <summary>
    /// Not in PROTOCOL.md: a user id (<c>to</c>, <c>dm</c>, JWT <c>sub</c>) is at most 256 characters, enough
    /// for an e-mail address (254) or any UUID form, and small enough to keep in every message we write.
    /// </summary>
    public const int MaxUserIdLength = 256;

    /// <summary>§5: <c>name</c> of a JWT is at most 64 characters.</summary>
    public const int MaxUsernameLength = 64;

    /// <summary>
    /// Not in PROTOCOL.md: JSON nesting allowed in a client message. Our messages are flat (depth 1); the rest
    /// leaves room for unknown nested fields of newer clients while refusing a deep-nesting attack at once.
    /// </summary>
    public const int MaxDepth = 16;

    /// <summary>True when <paramref name="room"/> matches <c>[A-Za-z0-9_.:-]{1,64}</c> (§3).</summary>
    public static bool IsValidRoomName(ReadOnlySpan<byte> room) =>
        room.Length is > 0 and <= MaxRoomLength && !room.ContainsAnyExcept(RoomNameBytes);

    private static readonly System.Buffers.SearchValues<byte> RoomNameBytes =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-"u8);
}
