namespace WsChat.Core.Client;

/// <summary>
/// The server's <c>joined</c> (PROTOCOL.md §4): the result of <see cref="ChatClient.JoinAsync"/>, and the payload of
/// <see cref="ChatClient.Joined"/> for every join, the client's own rejoins after a reconnect included.
/// </summary>
/// <param name="Room">The room.</param>
/// <param name="Members">Who is in it now.</param>
/// <param name="LastId">The newest message id in the room when joined (0 if none).</param>
/// <param name="Recovered">For a rejoin: the server replayed every message since the last one this client saw.
/// False on a first join (nothing was asked for), and when messages were missed (see <see cref="ChatClient.RecoveryGap"/>).</param>
/// <param name="IsRejoin">True when the client joined again by itself after a reconnect, with <c>since</c>.</param>
public sealed record ChatJoined(string Room, IReadOnlyList<ChatMember> Members, long LastId, bool Recovered, bool IsRejoin);
