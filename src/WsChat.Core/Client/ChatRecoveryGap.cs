namespace WsChat.Core.Client;

/// <summary>
/// A rejoin could not replay everything this client missed (<c>recovered: false</c>, PROTOCOL.md §5): more than the
/// replay bound (1000) was said meanwhile, or the server lost its history (restarted without storage: its ids
/// went back). Messages after <see cref="LastSeenId"/> and before the first one delivered after this event may be
/// missing; <see cref="ChatClient.HistoryAsync"/> with <c>before</c> = that first id pages back through them.
/// </summary>
/// <param name="Room">The room.</param>
/// <param name="LastSeenId">The newest id this client had delivered in the room before the reconnect.</param>
/// <param name="ServerLastId">The room's newest id according to the server's <c>joined</c>. Below
/// <see cref="LastSeenId"/> when the server's ids went back; the client then delivers the room's ids from there on.</param>
public sealed record ChatRecoveryGap(string Room, long LastSeenId, long ServerLastId);
