using WsChat.Tests.Support;

namespace WsChat.Tests.EndToEnd.Storage;

/// <summary>The durability guarantees with the default store: SQLite (WAL, synchronous=NORMAL) under the process's ./data.</summary>
[TestFixture]
public sealed class SqliteDurabilityEndToEndTests : DurabilityEndToEndTests
{
    // Each test's process has a data folder of its own, so each starts from an empty database.
    private protected override Task<string[]> StorageArgumentsAsync() => Task.FromResult<string[]>(["--WsChat:Storage:Provider=sqlite"]);

    private protected override Task<List<(long Id, string Text)>> ReadRowsAsync(WsChatProcess server) =>
        StoredRows.SqliteAsync(Path.Combine(server.DataDirectory, "data", "wschat.db"), StorageEndToEnd.Room);
}
