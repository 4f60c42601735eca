using WsChat.Core.Ports;
using WsChat.Tests.Core.Ports;

namespace WsChat.Tests.Host.Storage;

/// <summary>
/// The contract plus what only a durable store can show: everything survives closing and reopening the
/// store (a restart), and the schema is versioned.
/// </summary>
public abstract class DurableMessageStoreContractTests : MessageStoreContractTests
{
    /// <summary>A new store instance over the same database (as after a process restart), initialised.</summary>
    protected async Task<IMessageStore> OpenAgainAsync()
    {
        IMessageStore store = CreateUninitialised();
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    /// <summary>The versions recorded in the schema version table, in order.</summary>
    protected abstract Task<int[]> ReadSchemaVersionsAsync();

    /// <summary>Records a schema version newer than the code knows, as a newer wschat would have.</summary>
    protected abstract Task RecordSchemaVersionAsync(int version);

    [Test]
    public async Task Reopen_AfterAppends_IdsHistoryAndDedupContinue()
    {
        await AppendAsync(Msg(General, 1, "r1", ts: T0), Msg(General, 2, ts: T0 + 1), Msg(ConversationKey.Direct("a", "b"), 1, from: "a", to: "b"));
        await Store.DisposeAsync();
        await using IMessageStore reopened = await OpenAgainAsync();

        var outcomes = new AppendOutcome[2];
        await reopened.AppendBatchAsync(new[] { Msg(General, 3, "r1", ts: T0 + 5000), Msg(General, 4, "r2", ts: T0 + 5001) }, outcomes, CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That(await reopened.GetLastIdAsync(General, CancellationToken.None), Is.EqualTo(4));
            Assert.That(await reopened.GetLastIdAsync(ConversationKey.Direct("b", "a"), CancellationToken.None), Is.EqualTo(1));
            Assert.That(outcomes, Is.EqualTo(new[] { AppendOutcome.DuplicateOf(1), AppendOutcome.Stored }), "a retry after a restart is still a duplicate");
            Assert.That(Ids(await reopened.ReadHistoryAsync(General, null, 10, CancellationToken.None)), Is.EqualTo(new long[] { 1, 2, 4 }));
        });
        Store = await OpenAgainAsync();   // for TearDown
    }

    [Test]
    public async Task Initialize_Again_AppliesNoMigrationTwiceAndKeepsData()
    {
        await AppendAsync(Msg(General, 1));
        int[] before = await ReadSchemaVersionsAsync();
        await Store.InitializeAsync(CancellationToken.None);
        await using IMessageStore other = await OpenAgainAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(before, Is.Not.Empty);
            Assert.That(before, Is.Ordered.And.Unique);
            Assert.That(await ReadSchemaVersionsAsync(), Is.EqualTo(before));
            Assert.That(await other.GetLastIdAsync(General, CancellationToken.None), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Initialize_DatabaseFromANewerVersion_Refuses()
    {
        int[] versions = await ReadSchemaVersionsAsync();
        await RecordSchemaVersionAsync(versions[^1] + 1);
        await using IMessageStore newer = CreateUninitialised();
        Assert.That(async () => await newer.InitializeAsync(CancellationToken.None), Throws.InvalidOperationException.With.Message.Contains("newer"));
    }

    /// <summary>A store over the same database, not yet initialised.</summary>
    protected abstract IMessageStore CreateUninitialised();
}
