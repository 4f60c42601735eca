namespace WsChat.Core.Client;

/// <summary>A room the application joined: what the client needs to rejoin it and to deliver each message once.
/// Guarded by the client's lock.</summary>
internal sealed class RoomState(string name)
{
    public string Name { get; } = name;

    /// <summary>The newest id delivered to the application (or, before any, the room's <c>last_id</c> when first
    /// joined): a rejoin asks for <c>since</c> = this, and messages at or below it are dropped as seen.</summary>
    public long LastId { get; set; }

    /// <summary>True once a <c>joined</c> set <see cref="LastId"/>: rejoins then carry <c>since</c>.</summary>
    public bool HasBaseline { get; set; }

    /// <summary>The <c>ref</c> of the newest join sent for the room (the application's, or the client's own rejoin).</summary>
    public string? JoinRef { get; set; }
}
