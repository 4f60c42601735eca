namespace WsChat.Core.Diagnostics;

/// <summary>The chat's side of <c>/stats</c>: a snapshot of rooms and connection ages, captured on the
/// shards' own loops (implemented by the chat server).</summary>
internal interface IChatStatsSource
{
    /// <summary>Asks every shard for its rooms and connection ages and completes when all have answered.</summary>
    ValueTask<ChatStatsSnapshot> CaptureStatsAsync(CancellationToken cancellationToken);
}
