namespace WsChat.Core.Sessions;

/// <summary>Who a valid token (or development mode) says the client is.</summary>
/// <param name="UserId">JWT <c>sub</c>.</param>
/// <param name="Name">JWT <c>name</c>, or <c>sub</c> when absent.</param>
/// <param name="ExpiresAtMs">JWT <c>exp</c> in ms since the epoch; long.MaxValue for no expiry (development mode).</param>
internal readonly record struct TokenIdentity(string UserId, string Name, long ExpiresAtMs);
