using WsChat.Core.Ports;

namespace WsChat.Tests.Core.Ports;

/// <summary>
/// The <see cref="IMessageStore"/> contract, run against every implementation (one subclass each):
/// ids, history paging, since-reads with the replay bound, conversations kept apart, dedup by ref.
/// </summary>
public abstract class MessageStoreContractTests
{
    protected const long T0 = 1_764_087_000_000;   // PROTOCOL.md §6's timestamp, a fixed clock for the window
    protected static readonly ConversationKey General = ConversationKey.Room("general");
    protected static readonly ConversationKey Random = ConversationKey.Room("random");

    protected IMessageStore Store { get; set; } = null!;

    /// <summary>A new, empty store, initialised.</summary>
    protected abstract Task<IMessageStore> CreateStoreAsync();

    [SetUp]
    public async Task CreateAsync() => Store = await CreateStoreAsync();

    [TearDown]
    public async Task DisposeAsync() => await Store.DisposeAsync();

    protected static StoredMessage Msg(ConversationKey c, long id, string? @ref = null, string from = "u1", long? ts = null, string? text = null, string? to = null) =>
        new(c, id, from, from == "u1" ? "alice" : "name-" + from, text ?? $"text {id}", ts ?? T0 + id, @ref, to);

    protected async Task<AppendOutcome[]> AppendAsync(params StoredMessage[] batch)
    {
        var outcomes = new AppendOutcome[batch.Length];
        await Store.AppendBatchAsync(batch, outcomes, CancellationToken.None);
        return outcomes;
    }

    protected async Task AppendRangeAsync(ConversationKey c, int from, int to, int batchSize = 100)
    {
        for (int start = from; start <= to; start += batchSize)
        {
            int end = Math.Min(to, start + batchSize - 1);
            await AppendAsync([.. Enumerable.Range(start, end - start + 1).Select(i => Msg(c, i))]);
        }
    }

    protected static long[] Ids(MessagePage page) => [.. page.Messages.Select(m => m.Id)];

    // One assertion per page: its ids (oldest first) and whether messages were left out past the limit.
    protected static void AssertPage(MessagePage page, long[] ids, bool hasMore) => Assert.Multiple(() =>
    {
        Assert.That(Ids(page), Is.EqualTo(ids));
        Assert.That(page.HasMore, Is.EqualTo(hasMore));
    });

    protected static long[] Range(long from, long to) => [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => (long)i)];

    [Test]
    public async Task GetLastId_EmptyConversation_IsZero() =>
        Assert.That(await Store.GetLastIdAsync(General, CancellationToken.None), Is.Zero);

    [Test]
    public async Task GetLastId_AfterAppends_IsHighestId()
    {
        await AppendAsync(Msg(General, 1), Msg(General, 2), Msg(Random, 7));
        await AppendAsync(Msg(General, 5));
        Assert.Multiple(async () =>
        {
            Assert.That(await Store.GetLastIdAsync(General, CancellationToken.None), Is.EqualTo(5));
            Assert.That(await Store.GetLastIdAsync(Random, CancellationToken.None), Is.EqualTo(7));
        });
    }

    [Test]
    public async Task AppendBatch_NewMessages_AllStored()
    {
        AppendOutcome[] outcomes = await AppendAsync(Msg(General, 1, "a"), Msg(General, 2), Msg(Random, 1, "a"));
        Assert.That(outcomes, Is.All.EqualTo(AppendOutcome.Stored));
    }

    [Test]
    public async Task AppendBatch_EmptyBatch_DoesNothing()
    {
        await AppendAsync();
        Assert.That(await Store.GetLastIdAsync(General, CancellationToken.None), Is.Zero);
    }

    [Test]
    public async Task ReadHistory_AllFields_RoundTripExactly()
    {
        string text = "héllo \"wörld\" <b>&amp;</b> \\n 😀 \u0001 " + new string('x', 4000);
        StoredMessage room = new(General, 1, "user-1", "Alice Ünicode", text, T0, "ref-1");
        ConversationKey pair = ConversationKey.Direct("user-1", "user 2");
        StoredMessage dm = new(pair, 1, "user-1", "Alice Ünicode", "psst", T0 + 1, null, "user 2");
        await AppendAsync(room, dm);

        MessagePage roomPage = await Store.ReadHistoryAsync(General, null, 50, CancellationToken.None);
        MessagePage dmPage = await Store.ReadHistoryAsync(pair, null, 50, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(roomPage.Messages, Is.EqualTo(new[] { room }));
            Assert.That(dmPage.Messages, Is.EqualTo(new[] { dm }));
        });
    }

    [Test]
    public async Task AppendBatch_NulAndOddText_RoundTripsWithoutFailingTheBatch()
    {
        // PostgreSQL text cannot hold U+0000 (its store uses bytea); one such message must not fail a whole batch.
        StoredMessage nul = new(General, 1, "u\0id", "na\0me", "a\0b", T0, "r\0", null);
        ConversationKey pair = ConversationKey.Direct("u\0id", "to\0");
        StoredMessage dm = new(pair, 1, "u\0id", "na\0me", "x", T0, null, "to\0");
        AppendOutcome[] outcomes = await AppendAsync(nul, dm);
        Assert.Multiple(async () =>
        {
            Assert.That(outcomes, Is.All.EqualTo(AppendOutcome.Stored));
            Assert.That((await Store.ReadHistoryAsync(General, null, 10, CancellationToken.None)).Messages, Is.EqualTo(new[] { nul }));
            Assert.That((await Store.ReadHistoryAsync(pair, null, 10, CancellationToken.None)).Messages, Is.EqualTo(new[] { dm }));
            Assert.That(await Store.FindByRefAsync(General, "u\0id", "r\0", T0, CancellationToken.None), Is.EqualTo(nul));
        });
    }

    [Test]
    public async Task ReadHistory_NoBefore_ReturnsNewestOldestFirst()
    {
        await AppendRangeAsync(General, 1, 10);
        MessagePage page = await Store.ReadHistoryAsync(General, null, 4, CancellationToken.None);
        AssertPage(page, Range(7, 10), hasMore: true);
    }

    [Test]
    public async Task ReadHistory_PagingWithBefore_WalksBackToTheFirstMessage()
    {
        await AppendRangeAsync(General, 1, 250);
        var seen = new List<long>();
        long? before = null;
        var pages = new List<bool>();
        while (true)
        {
            MessagePage page = await Store.ReadHistoryAsync(General, before, 100, CancellationToken.None);
            seen.InsertRange(0, Ids(page));
            pages.Add(page.HasMore);
            if (!page.HasMore) break;
            before = page.Messages[0].Id;
        }

        Assert.Multiple(() =>
        {
            Assert.That(seen, Is.EqualTo(Range(1, 250)));
            Assert.That(pages, Is.EqualTo(new[] { true, true, false }));
        });
    }

    [Test]
    public async Task ReadHistory_LimitEqualToCount_HasNoMore()
    {
        await AppendRangeAsync(General, 1, 5);
        MessagePage page = await Store.ReadHistoryAsync(General, null, 5, CancellationToken.None);
        AssertPage(page, Range(1, 5), hasMore: false);
    }

    [Test]
    public async Task ReadHistory_LimitOneBelowCount_HasMore()
    {
        await AppendRangeAsync(General, 1, 5);
        MessagePage page = await Store.ReadHistoryAsync(General, null, 4, CancellationToken.None);
        AssertPage(page, Range(2, 5), hasMore: true);
    }

    [Test]
    public async Task ReadHistory_BeforeFirstId_IsEmpty()
    {
        await AppendRangeAsync(General, 3, 5);
        MessagePage page = await Store.ReadHistoryAsync(General, 3, 10, CancellationToken.None);
        AssertPage(page, [], hasMore: false);
    }

    [Test]
    public async Task ReadHistory_BeforeAnIdInAGap_ReturnsOlderOnes()
    {
        // Ids of failed batches are never reused, so a conversation may have gaps.
        await AppendAsync(Msg(General, 1), Msg(General, 2), Msg(General, 10), Msg(General, 11));
        MessagePage page = await Store.ReadHistoryAsync(General, 7, 10, CancellationToken.None);
        Assert.That(Ids(page), Is.EqualTo(new long[] { 1, 2 }));
    }

    [Test]
    public async Task ReadHistory_UnknownConversation_IsEmpty()
    {
        await AppendRangeAsync(General, 1, 3);
        MessagePage page = await Store.ReadHistoryAsync(ConversationKey.Room("nobody-here"), null, 10, CancellationToken.None);
        AssertPage(page, [], hasMore: false);
    }

    [Test]
    public void ReadHistory_ZeroLimit_Throws() =>
        Assert.That(async () => await Store.ReadHistoryAsync(General, null, 0, CancellationToken.None), Throws.InstanceOf<ArgumentOutOfRangeException>());

    [Test]
    public async Task ReadSince_SomeMissed_ReturnsThemOldestFirst()
    {
        await AppendRangeAsync(General, 1, 20);
        MessagePage page = await Store.ReadSinceAsync(General, 15, 1000, CancellationToken.None);
        AssertPage(page, Range(16, 20), hasMore: false);
    }

    [Test]
    public async Task ReadSince_ExactlyMaxMissed_ReturnsAllRecovered()
    {
        await AppendRangeAsync(General, 1, 1000, 250);
        MessagePage page = await Store.ReadSinceAsync(General, 0, 1000, CancellationToken.None);
        AssertPage(page, Range(1, 1000), hasMore: false);
    }

    [Test]
    public async Task ReadSince_OneMoreThanMaxMissed_ReturnsNewestMaxNotRecovered()
    {
        await AppendRangeAsync(General, 1, 1001, 250);
        MessagePage page = await Store.ReadSinceAsync(General, 0, 1000, CancellationToken.None);
        AssertPage(page, Range(2, 1001), hasMore: true);
    }

    [Test]
    public async Task ReadSince_AtLastId_IsEmpty()
    {
        await AppendRangeAsync(General, 1, 5);
        MessagePage page = await Store.ReadSinceAsync(General, 5, 1000, CancellationToken.None);
        AssertPage(page, [], hasMore: false);
    }

    [Test]
    public async Task ReadSince_BeyondLastId_IsEmpty()
    {
        await AppendRangeAsync(General, 1, 5);
        MessagePage page = await Store.ReadSinceAsync(General, long.MaxValue, 1000, CancellationToken.None);
        Assert.That(page.Messages, Is.Empty);
    }

    [Test]
    public void ReadSince_ZeroMax_Throws() =>
        Assert.That(async () => await Store.ReadSinceAsync(General, 0, 0, CancellationToken.None), Throws.InstanceOf<ArgumentOutOfRangeException>());

    [Test]
    public async Task Conversations_SameIds_AreKeptApart()
    {
        ConversationKey ab = ConversationKey.Direct("a", "b");
        ConversationKey ac = ConversationKey.Direct("a", "c");
        await AppendAsync(Msg(General, 1, text: "g"), Msg(Random, 1, text: "r"), Msg(ab, 1, text: "ab", to: "b"), Msg(ac, 1, text: "ac", to: "c"));
        foreach ((ConversationKey key, string text) in new[] { (General, "g"), (Random, "r"), (ab, "ab"), (ac, "ac") })
        {
            MessagePage page = await Store.ReadHistoryAsync(key, null, 10, CancellationToken.None);
            Assert.That(page.Messages.Select(m => m.Text), Is.EqualTo(new[] { text }), key.Value);
        }
    }

    [Test]
    public async Task DirectPair_EitherOrder_IsOneConversation()
    {
        await AppendAsync(Msg(ConversationKey.Direct("bob", "alice"), 1, from: "bob", to: "alice"));
        await AppendAsync(Msg(ConversationKey.Direct("alice", "bob"), 2, from: "alice", to: "bob"));
        MessagePage page = await Store.ReadHistoryAsync(ConversationKey.Direct("alice", "bob"), null, 10, CancellationToken.None);
        Assert.That(page.Messages.Select(m => m.FromId), Is.EqualTo(new[] { "bob", "alice" }));
    }

    [Test]
    public async Task AppendBatch_IdAlreadyStored_FailsAndStoresNothingOfTheBatch()
    {
        await AppendAsync(Msg(General, 1), Msg(General, 2));
        Assert.That(async () => await AppendAsync(Msg(Random, 1), Msg(General, 2)), Throws.Exception);
        Assert.Multiple(async () =>
        {
            Assert.That(await Store.GetLastIdAsync(Random, CancellationToken.None), Is.Zero, "the batch is atomic");
            Assert.That(Ids(await Store.ReadHistoryAsync(General, null, 10, CancellationToken.None)), Is.EqualTo(new long[] { 1, 2 }));
        });
    }

    [Test]
    public async Task AppendBatch_SameRefWithinWindow_ReportsOriginalIdAndStoresOnce()
    {
        await AppendAsync(Msg(General, 1, "r1", ts: T0));
        AppendOutcome[] outcomes = await AppendAsync(Msg(General, 2, "r1", ts: T0 + IMessageStore.DedupWindowMilliseconds));
        Assert.Multiple(async () =>
        {
            Assert.That(outcomes, Is.EqualTo(new[] { AppendOutcome.DuplicateOf(1) }));
            Assert.That(Ids(await Store.ReadHistoryAsync(General, null, 10, CancellationToken.None)), Is.EqualTo(new long[] { 1 }));
        });
    }

    [Test]
    public async Task AppendBatch_SameRefJustPastWindow_IsStoredAgain()
    {
        await AppendAsync(Msg(General, 1, "r1", ts: T0));
        AppendOutcome[] outcomes = await AppendAsync(Msg(General, 2, "r1", ts: T0 + IMessageStore.DedupWindowMilliseconds + 1));
        Assert.That(outcomes, Is.EqualTo(new[] { AppendOutcome.Stored }));
    }

    [Test]
    public async Task AppendBatch_SameRefTwiceInOneBatch_SecondIsDuplicateOfFirst()
    {
        AppendOutcome[] outcomes = await AppendAsync(Msg(General, 1, "r1"), Msg(General, 2), Msg(General, 3, "r1"), Msg(General, 4, "r2"));
        Assert.Multiple(async () =>
        {
            Assert.That(outcomes, Is.EqualTo(new[] { AppendOutcome.Stored, AppendOutcome.Stored, AppendOutcome.DuplicateOf(1), AppendOutcome.Stored }));
            Assert.That(Ids(await Store.ReadHistoryAsync(General, null, 10, CancellationToken.None)), Is.EqualTo(new long[] { 1, 2, 4 }));
        });
    }

    [Test]
    public async Task AppendBatch_SameRefOtherUserOrConversation_IsNotADuplicate()
    {
        await AppendAsync(Msg(General, 1, "r1", from: "u1"));
        AppendOutcome[] outcomes = await AppendAsync(Msg(General, 2, "r1", from: "u2"), Msg(Random, 1, "r1", from: "u1"));
        Assert.That(outcomes, Is.All.EqualTo(AppendOutcome.Stored));
    }

    [Test]
    public async Task AppendBatch_NoRef_IsNeverADuplicate()
    {
        AppendOutcome[] outcomes = await AppendAsync(Msg(General, 1, text: "same"), Msg(General, 2, text: "same"));
        Assert.That(outcomes, Is.All.EqualTo(AppendOutcome.Stored));
    }

    [Test]
    public async Task AppendBatch_RetryAfterFailedBatch_IsStored()
    {
        // A failed batch stored nothing, so its refs must not make the retry look like a duplicate.
        await AppendAsync(Msg(General, 1));
        Assert.That(async () => await AppendAsync(Msg(General, 2, "r1"), Msg(General, 1)), Throws.Exception);
        AppendOutcome[] outcomes = await AppendAsync(Msg(General, 3, "r1"));
        Assert.That(outcomes, Is.EqualTo(new[] { AppendOutcome.Stored }));
    }

    [Test]
    public async Task FindByRef_WithinWindow_FindsTheMessage()
    {
        StoredMessage original = Msg(General, 4, "r9", ts: T0);
        await AppendAsync(Msg(General, 3, "r8", ts: T0), original);
        StoredMessage? found = await Store.FindByRefAsync(General, "u1", "r9", T0 - 10, CancellationToken.None);
        Assert.That(found, Is.EqualTo(original));
    }

    [Test]
    public async Task FindByRef_OlderThanNotBefore_IsNull()
    {
        await AppendAsync(Msg(General, 1, "r9", ts: T0));
        Assert.Multiple(async () =>
        {
            Assert.That(await Store.FindByRefAsync(General, "u1", "r9", T0 + 1, CancellationToken.None), Is.Null);
            Assert.That(await Store.FindByRefAsync(General, "u2", "r9", T0, CancellationToken.None), Is.Null);
            Assert.That(await Store.FindByRefAsync(Random, "u1", "r9", T0, CancellationToken.None), Is.Null);
        });
    }

    [Test]
    public async Task AppendBatch_ConcurrentReads_SeeWholeBatchesOnly()
    {
        // Readers run alongside the single writer; a batch is one transaction, so a reader sees all of it or none.
        using var stop = new CancellationTokenSource();
        var torn = 0;
        Task reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                MessagePage page = await Store.ReadSinceAsync(General, 0, 1000, CancellationToken.None);
                if (page.Messages.Count % 10 != 0) Interlocked.Increment(ref torn);
            }
        });
        for (int b = 0; b < 30; b++) await AppendRangeAsync(General, b * 10 + 1, b * 10 + 10, 10);
        stop.Cancel();
        await reader;
        Assert.Multiple(async () =>
        {
            Assert.That(torn, Is.Zero);
            Assert.That(await Store.GetLastIdAsync(General, CancellationToken.None), Is.EqualTo(300));
        });
    }
}
