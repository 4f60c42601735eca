using WsChat.Core.Diagnostics;
using WsChat.Core.Users;

namespace WsChat.Core.Sessions;

/// <summary><c>/stats</c>' view of the chat: rooms from every shard's own loop, connection ages from the user
/// directory (whose session lists are copy-on-write, safe to read from any thread).</summary>
internal sealed partial class ChatEngine : IChatStatsSource
{
    public async ValueTask<ChatStatsSnapshot> CaptureStatsAsync(CancellationToken cancellationToken)
    {
        var snapshot = new ChatStatsSnapshot();
        long now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (ChatUser user in Users.All)
        {
            foreach (ChatSession session in user.Sessions) snapshot.AddConnectionAge(TimeSpan.FromMilliseconds(now - session.OpenedAtMs));
        }

        var shards = new Task[_shards.Length];
        for (int i = 0; i < shards.Length; i++) shards[i] = _shards[i].CaptureRoomsAsync(snapshot);
        await Task.WhenAll(shards).WaitAsync(cancellationToken).ConfigureAwait(false);
        return snapshot;
    }
}
