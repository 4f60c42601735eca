using System.Diagnostics;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>
/// SQLite unwritable because its disk is full, the commonest real outage of a file database: the database lives on
/// a small tmpfs of its own, which the test fills and then frees. chmod cannot make the file unwritable here (tests
/// run as root), and a file moved away is not noticed by an open connection. Mounting needs root with
/// CAP_SYS_ADMIN; without it the fixture is ignored and <see cref="SqliteLockedOutageEndToEndTests"/> remains.
/// </summary>
[TestFixture]
public sealed class SqliteDiskFullOutageEndToEndTests : StorageOutageEndToEndTests
{
    private string _mount = null!;
    private bool _mounted;

    private string Filler => Path.Combine(_mount, "filler");

    // Once for the fixture: the base class's per-test teardown stops wschat (which holds the file open) before this runs.
    [OneTimeSetUp]
    public void MountTmpfs()
    {
        _mount = Directory.CreateTempSubdirectory("wschat-e2e-full-").FullName;
        _mounted = Run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", _mount) == 0;
        if (!_mounted) Assert.Ignore("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)");
    }

    [OneTimeTearDown]
    public void Unmount()
    {
        if (_mounted) Run("umount", _mount);
        Directory.Delete(_mount, recursive: true);
    }

    [SetUp]
    public void EmptyTmpfs()
    {
        foreach (string file in Directory.EnumerateFiles(_mount)) File.Delete(file);
    }

    private protected override Task<string[]> StorageArgumentsAsync() =>
        Task.FromResult<string[]>(["--WsChat:Storage:Provider=sqlite", "--WsChat:Storage:SqlitePath=" + Path.Combine(_mount, "wschat.db")]);

    // 4000 characters: a commit of it needs new WAL pages, which a full disk cannot give (a small row could
    // otherwise fit in space already allocated to the WAL).
    private protected override string OutageText(string label) => label + new string('x', 4000 - label.Length);

    private protected override Task BreakStorageAsync(WsChatProcess server)
    {
        using var file = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true) file.Write(block);
        }
        catch (IOException)
        {
            // ENOSPC: the tmpfs is full.
        }

        return Task.CompletedTask;
    }

    private protected override Task RepairStorageAsync(WsChatProcess server)
    {
        File.Delete(Filler);
        return Task.CompletedTask;
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
