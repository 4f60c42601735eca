using Microsoft.Data.Sqlite;
using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>
/// SQLite unwritable for wschat because another process holds the database's write lock (BEGIN EXCLUSIVE), as a
/// long backup or an operator's forgotten transaction would: commits fail after the busy timeout. Needs no
/// privileges, so it runs everywhere; <see cref="SqliteDiskFullOutageEndToEndTests"/> is the full disk.
/// </summary>
[TestFixture]
public sealed class SqliteLockedOutageEndToEndTests : StorageOutageEndToEndTests
{
    private SqliteConnection? _lock;

    [TearDown]
    public async Task ReleaseLockAsync()
    {
        if (_lock is not null) await _lock.DisposeAsync();
        _lock = null;
    }

    private protected override Task<string[]> StorageArgumentsAsync() => Task.FromResult<string[]>(["--WsChat:Storage:Provider=sqlite"]);

    private protected override async Task BreakStorageAsync(WsChatProcess server)
    {
        _lock = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "data", "wschat.db")};Pooling=false");
        await _lock.OpenAsync();
        await using SqliteCommand begin = _lock.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE";
        await begin.ExecuteNonQueryAsync();
    }

    private protected override async Task RepairStorageAsync(WsChatProcess server)
    {
        if (_lock is null) return;
        await _lock.DisposeAsync();      // closing rolls the transaction back and releases the lock
        _lock = null;
    }
}
