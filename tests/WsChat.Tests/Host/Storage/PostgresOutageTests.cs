using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Core.Ports;
using WsChat.Core.Storage;
using WsChat.Host.Storage;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host.Storage;

/// <summary>
/// PostgreSQL stopped under a running store and batch writer, then started again: messages fail while it is
/// down and are stored again afterwards by the same store instance (no restart, PROTOCOL.md §5). The server
/// is shared with every other PostgreSQL test, hence NonParallelizable and the restart in a finally.
/// </summary>
[TestFixture, Category("Postgres"), NonParallelizable, CancelAfter(120_000)]
public sealed class PostgresOutageTests
{
    private static readonly ConversationKey Room = ConversationKey.Room("general");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Batcher_ServerStoppedThenStarted_FailsWhileDownThenStoresWithoutRestart()
    {
        await using PostgresTestDatabase database = await PostgresTestDatabase.CreateAsync();
        string connectionString = await database.CreateSchemaAsync();
        await using var store = new PostgresMessageStore(new PostgresMessageStoreOptions { ConnectionString = connectionString }, NullLogger<PostgresMessageStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { RetryDelay = TimeSpan.FromMilliseconds(50), MaxRetryDelay = TimeSpan.FromMilliseconds(200) });
        batcher.Start();
        long next = 0;
        async Task<AppendStatus> SubmitAsync()
        {
            int before = sink.Completions.Count;
            StoredMessage m = new(Room, ++next, "u1", "alice", "m" + next, 1_764_087_000_000 + next, "r" + next);
            Assert.That(batcher.TrySubmit(m, sink, next), Is.True);
            await sink.WaitForAsync(before + 1, Wait);
            return sink.Completions.Last().Outcome.Status;
        }

        Assert.That(await SubmitAsync(), Is.EqualTo(AppendStatus.Stored), "pool warm, connection open");
        string options = PostgresServerControl.ReadOptions();
        var failedIds = new List<long>();
        PostgresServerControl.Stop();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.That(await SubmitAsync(), Is.EqualTo(AppendStatus.Failed), "storage is down");
                failedIds.Add(next);
            }
        }
        finally
        {
            PostgresServerControl.Start(options);
        }

        // Back up: within the backoff the first attempts may still fail fast; the same store must succeed soon.
        AppendStatus status;
        int attempts = 0;
        do
        {
            status = await SubmitAsync();
            if (status != AppendStatus.Stored) failedIds.Add(next);
            if (status != AppendStatus.Stored) await Task.Delay(100);
        }
        while (status != AppendStatus.Stored && ++attempts < 100);

        Assert.Multiple(async () =>
        {
            Assert.That(status, Is.EqualTo(AppendStatus.Stored), "recovered without a restart");
            long[] stored = [.. (await store.ReadSinceAsync(Room, 0, 1000, CancellationToken.None)).Messages.Select(m => m.Id)];
            Assert.That(failedIds, Has.Count.GreaterThanOrEqualTo(5));
            Assert.That(stored, Is.EqualTo(new[] { 1L, next }), "none of the failed messages is stored");
        });
    }
}
