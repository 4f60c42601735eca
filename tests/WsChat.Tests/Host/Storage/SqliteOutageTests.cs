using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Core.Ports;
using WsChat.Core.Storage;
using WsChat.Host.Storage;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host.Storage;

/// <summary>
/// A SQLite store whose disk fills up: the most common real outage of a file database. A 2 MiB tmpfs
/// is mounted for it (tests run as root, where chmod does not stop writes, and a moved file is not
/// noticed by an open connection, so neither is an honest outage). Needs mount permission; without it
/// the test is ignored and the lock-based outage test in <see cref="SqliteMessageStoreTests"/> remains.
/// </summary>
[TestFixture, NonParallelizable, CancelAfter(60_000)]
public sealed class SqliteOutageTests
{
    private string _mount = null!;
    private bool _mounted;

    [SetUp]
    public void MountTmpfs()
    {
        _mount = Directory.CreateTempSubdirectory("wschat-full-").FullName;
        _mounted = Run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", _mount) == 0;
        if (!_mounted) Assert.Ignore("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)");
    }

    [TearDown]
    public void Unmount()
    {
        SqliteConnection.ClearAllPools();
        if (_mounted) Run("umount", _mount);
        Directory.Delete(_mount, recursive: true);
    }

    [Test]
    public async Task Batcher_DiskFull_MessagesFailThenStoredAgainOnceSpaceIsFreed()
    {
        string path = Path.Combine(_mount, "wschat.db");
        await using var store = new SqliteMessageStore(new SqliteMessageStoreOptions { Path = path }, NullLogger<SqliteMessageStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { RetryDelay = TimeSpan.Zero });
        batcher.Start();
        var room = ConversationKey.Room("general");
        string text = new('x', 4000);
        StoredMessage Msg(long id) => new(room, id, "u1", "alice", text, 1_764_087_000_000 + id, "r" + id);

        string filler = Path.Combine(_mount, "filler");
        FillDisk(filler);
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

    private static void FillDisk(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true) file.Write(block);
        }
        catch (IOException)
        {
            // ENOSPC: the tmpfs is full.
        }
    }

    private static int Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        try
        {
            using Process process = Process.Start(info)!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
