using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Core.Ports;
using WsChat.Core.Storage;
using WsChat.Host.Storage;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host.Storage;

/// <summary>
/// A SQLite store whose disk fills up: the most common real outage of a file database, on a 2 MiB
/// <see cref="TmpfsMount"/>. Without mount permission the test is ignored and the lock-based outage test in
/// <see cref="SqliteMessageStoreTests"/> remains.
/// </summary>
[TestFixture, NonParallelizable, CancelAfter(60_000)]
public sealed class SqliteOutageTests
{
    private TmpfsMount _tmpfs = null!;

    [SetUp]
    public void MountTmpfs()
    {
        _tmpfs = TmpfsMount.Create("wschat-full-", "2m");
        if (!_tmpfs.Mounted) Assert.Ignore(TmpfsMount.CannotMount);
    }

    [TearDown]
    public void Unmount()
    {
        SqliteConnection.ClearAllPools();
        _tmpfs.Remove();
    }

    [Test]
    public async Task Batcher_DiskFull_MessagesFailThenStoredAgainOnceSpaceIsFreed()
    {
        string path = Path.Combine(_tmpfs.Path, "wschat.db");
        await using var store = new SqliteMessageStore(new SqliteMessageStoreOptions { Path = path }, NullLogger<SqliteMessageStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { RetryDelay = TimeSpan.Zero });
        batcher.Start();
        var room = ConversationKey.Room("general");
        string text = new('x', 4000);
        StoredMessage Msg(long id) => new(room, id, "u1", "alice", text, 1_764_087_000_000 + id, "r" + id);

        string filler = Path.Combine(_tmpfs.Path, "filler");
        TmpfsMount.Fill(filler);
        StoredMessage[] big = [.. Enumerable.Range(1000, 100).Select(i => Msg(i))];
        Assert.That(async () => await store.AppendBatchAsync(big, new AppendOutcome[big.Length], CancellationToken.None),
            Throws.InstanceOf<SqliteException>().With.Property(nameof(SqliteException.SqliteErrorCode)).EqualTo(13 /* SQLITE_FULL */));
        for (int i = 1; i <= 100; i++) Assert.That(batcher.TrySubmit(Msg(i), sink), Is.True);   // ~400 KB: cannot fit
        await sink.WaitForAsync(100, TimeSpan.FromSeconds(30));
        Assert.That(sink.Completions.Select(c => c.Outcome.Status), Is.All.EqualTo(AppendStatus.Failed));

        File.Delete(filler);
        for (int i = 101; i <= 200; i++) Assert.That(batcher.TrySubmit(Msg(i), sink), Is.True);
        await sink.WaitForAsync(200, TimeSpan.FromSeconds(30));

        Assert.Multiple(async () =>
        {
            Assert.That(sink.Completions.Skip(100).Select(c => c.Outcome.Status), Is.All.EqualTo(AppendStatus.Stored), "no restart needed");
            MessagePage stored = await store.ReadSinceAsync(room, 0, 1000, CancellationToken.None);
            Assert.That(stored.Messages.Select(m => m.Id), Is.EqualTo(Enumerable.Range(101, 100).Select(i => (long)i)), "nothing of the failed batch was stored");
        });
    }
}
