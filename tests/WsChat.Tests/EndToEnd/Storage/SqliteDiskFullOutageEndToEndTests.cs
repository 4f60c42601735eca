using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>
/// SQLite unwritable because its disk is full, the commonest real outage of a file database: the database lives on
/// a small <see cref="TmpfsMount"/> of its own, which the test fills and then frees. Without mount permission the
/// fixture is ignored and <see cref="SqliteLockedOutageEndToEndTests"/> remains.
/// </summary>
[TestFixture]
public sealed class SqliteDiskFullOutageEndToEndTests : StorageOutageEndToEndTests
{
    private TmpfsMount _tmpfs = null!;

    private string Filler => Path.Combine(_tmpfs.Path, "filler");

    // Once for the fixture: the base class's per-test teardown stops wschat (which holds the file open) before this runs.
    [OneTimeSetUp]
    public void MountTmpfs()
    {
        _tmpfs = TmpfsMount.Create("wschat-e2e-full-", "8m");
        if (!_tmpfs.Mounted) Assert.Ignore(TmpfsMount.CannotMount);
    }

    [OneTimeTearDown]
    public void Unmount() => _tmpfs.Remove();

    [SetUp]
    public void EmptyTmpfs()
    {
        foreach (string file in Directory.EnumerateFiles(_tmpfs.Path)) File.Delete(file);
    }

    private protected override Task<string[]> StorageArgumentsAsync() =>
        Task.FromResult<string[]>(["--WsChat:Storage:Provider=sqlite", "--WsChat:Storage:SqlitePath=" + Path.Combine(_tmpfs.Path, "wschat.db")]);

    // 4000 characters: a commit of it needs new WAL pages, which a full disk cannot give (a small row could
    // otherwise fit in space already allocated to the WAL).
    private protected override string OutageText(string label) => label + new string('x', 4000 - label.Length);

    private protected override Task BreakStorageAsync(WsChatProcess server)
    {
        TmpfsMount.Fill(Filler);
        return Task.CompletedTask;
    }

    private protected override Task RepairStorageAsync(WsChatProcess server)
    {
        File.Delete(Filler);
        return Task.CompletedTask;
    }
}
