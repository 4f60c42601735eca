using WsChat.Core.Diagnostics;
using WsChat.Core.Ports;
using WsChat.Core.Storage;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Storage;

[CancelAfter(30_000)]
public sealed class MessageBatcherTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);   // generous: a loaded 2-core machine
    private static readonly ConversationKey General = ConversationKey.Room("general");

    private static StoredMessage Msg(ConversationKey c, long id, string? @ref = null) =>
        new(c, id, "u1", "alice", $"text {id}", 1_764_087_000_000 + id, @ref);

    [Test]
    public async Task Submit_ManyConcurrentDuringACommit_CommitInOneMoreBatchEachCompletedOnce()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { MaxBatchSize = 4096 });
        batcher.Start();

        store.Close();
        Assert.That(batcher.TrySubmit(Msg(General, 1), sink, state: 1), Is.True);
        await store.Entered.Task.WaitAsync(Wait);

        // 8 "shards" submit 2000 messages while the first commit is held (the fsync in flight).
        const int Shards = 8, PerShard = 250;
        await Task.WhenAll(Enumerable.Range(0, Shards).Select(s => Task.Run(() =>
        {
            var room = ConversationKey.Room("room" + s);
            for (int i = 1; i <= PerShard; i++) Assert.That(batcher.TrySubmit(Msg(room, i), sink, state: (s + 1) * 1000 + i), Is.True);
        })));
        store.Open();
        await sink.WaitForAsync(1 + Shards * PerShard, Wait);

        Assert.Multiple(() =>
        {
            Assert.That(store.BatchSizes, Is.EqualTo(new[] { 1, Shards * PerShard }), "group commit: one batch for everything queued during a commit");
            Assert.That(sink.Completions.Select(c => c.State), Is.Unique, "each submission completed exactly once");
            Assert.That(sink.Completions, Has.Count.EqualTo(1 + Shards * PerShard));
            Assert.That(sink.Completions.Select(c => c.Outcome.Status), Is.All.EqualTo(AppendStatus.Stored));
            Assert.That(batcher.Pending, Is.Zero);
            for (int s = 0; s < Shards; s++)
            {
                string room = "#room" + s;
                long[] ids = [.. sink.Completions.Where(c => c.Message.Conversation.Value == room).Select(c => c.Message.Id)];
                Assert.That(ids, Is.EqualTo(Enumerable.Range(1, PerShard).Select(i => (long)i)), "completions in submission (id) order");
            }
        });
    }

    [Test]
    public async Task Submit_MoreThanMaxBatchSize_SplitsIntoFullBatches()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { MaxBatchSize = 100 });
        for (int i = 1; i <= 250; i++) Assert.That(batcher.TrySubmit(Msg(General, i), sink), Is.True);
        batcher.Start();
        await sink.WaitForAsync(250, Wait);
        Assert.That(store.BatchSizes, Is.EqualTo(new[] { 100, 100, 50 }));
    }

    [Test]
    public async Task Submit_StateAndMessage_ComeBackInTheCompletion()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store);
        batcher.Start();
        StoredMessage message = Msg(General, 1, "r1");
        batcher.TrySubmit(message, sink, state: 42);
        await sink.WaitForAsync(1, Wait);
        Assert.That(sink.Completions.Single(), Is.EqualTo(new AppendCompletion(message, AppendOutcome.Stored, 42)));
    }

    [Test]
    public async Task Submit_RetryWithSameRef_CompletesAsDuplicateOfTheOriginal()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store);
        batcher.Start();
        batcher.TrySubmit(Msg(General, 1, "r1"), sink, 1);
        await sink.WaitForAsync(1, Wait);
        batcher.TrySubmit(Msg(General, 2, "r1"), sink, 2);
        await sink.WaitForAsync(2, Wait);
        Assert.That(sink.Completions.Select(c => c.Outcome), Is.EqualTo(new[] { AppendOutcome.Stored, AppendOutcome.DuplicateOf(1) }));
    }

    [Test]
    public async Task Submit_PastMaxPending_IsRefusedUntilCommitsComplete()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { MaxPending = 3 });
        batcher.Start();
        store.Close();
        Assert.That(batcher.TrySubmit(Msg(General, 1), sink), Is.True);
        await store.Entered.Task.WaitAsync(Wait);
        Assert.Multiple(() =>
        {
            Assert.That(batcher.TrySubmit(Msg(General, 2), sink), Is.True);
            Assert.That(batcher.TrySubmit(Msg(General, 3), sink), Is.True, "at the limit");
            Assert.That(batcher.TrySubmit(Msg(General, 4), sink), Is.False, "past the limit");
            Assert.That(batcher.Pending, Is.EqualTo(3));
        });
        store.Open();
        await sink.WaitForAsync(3, Wait);
        Assert.That(batcher.TrySubmit(Msg(General, 5), sink), Is.True, "room again once completed");
        await sink.WaitForAsync(4, Wait);
        Assert.That(sink.Completions.Select(c => c.Message.Id), Is.EqualTo(new long[] { 1, 2, 3, 5 }));
    }

    [Test]
    public async Task Commit_StoreThrows_AllFailedThenFailFastThenRecovers()
    {
        var store = new ControllableMessageStore { Failing = true };
        var sink = new RecordingCompletionSink();
        var clock = new ManualClock();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { RetryDelay = TimeSpan.FromSeconds(1) }, time: clock);
        batcher.Start();

        batcher.TrySubmit(Msg(General, 1), sink);
        await sink.WaitForAsync(1, Wait);
        batcher.TrySubmit(Msg(General, 2), sink);          // inside the backoff: storage is not touched
        await sink.WaitForAsync(2, Wait);
        Assert.That(store.AppendCalls, Is.EqualTo(1));

        store.Failing = false;                             // storage is back, but the backoff still runs
        clock.Advance(TimeSpan.FromSeconds(1.5));
        batcher.TrySubmit(Msg(General, 3), sink);
        await sink.WaitForAsync(3, Wait);

        Assert.Multiple(async () =>
        {
            Assert.That(sink.Completions.Select(c => c.Outcome.Status), Is.EqualTo(new[] { AppendStatus.Failed, AppendStatus.Failed, AppendStatus.Stored }));
            Assert.That(store.AppendCalls, Is.EqualTo(2));
            Assert.That(batcher.FailedMessages, Is.EqualTo(2));
            Assert.That(batcher.StoredMessages, Is.EqualTo(1));
            Assert.That(Ids(await store.ReadSinceAsync(General, 0, 10, CancellationToken.None)), Is.EqualTo(new long[] { 3 }), "failed messages are not stored");
        });
    }

    [Test]
    public async Task Commit_RepeatedFailures_BackoffDoublesUpToMax()
    {
        var store = new ControllableMessageStore { Failing = true };
        var sink = new RecordingCompletionSink();
        var clock = new ManualClock();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { RetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(3) }, time: clock);
        batcher.Start();
        int submitted = 0;
        async Task SubmitAsync()
        {
            batcher.TrySubmit(Msg(General, ++submitted), sink);
            await sink.WaitForAsync(submitted, Wait);
        }

        await SubmitAsync();                              // attempt 1 fails → wait 1 s
        clock.Advance(TimeSpan.FromSeconds(1.1));
        await SubmitAsync();                              // attempt 2 fails → wait 2 s
        clock.Advance(TimeSpan.FromSeconds(1.5));
        await SubmitAsync();                              // inside 2 s: fails fast
        clock.Advance(TimeSpan.FromSeconds(0.6));
        await SubmitAsync();                              // attempt 3 fails → wait 3 s (capped, not 4)
        clock.Advance(TimeSpan.FromSeconds(3.1));
        await SubmitAsync();                              // attempt 4
        Assert.That(store.AppendCalls, Is.EqualTo(4));
    }

    [Test]
    public async Task Commit_Hangs_TimesOutFailsAndWaitsForTheStuckCommit()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { CommitTimeout = TimeSpan.FromMilliseconds(200), RetryDelay = TimeSpan.Zero });
        batcher.Start();
        store.Close();
        batcher.TrySubmit(Msg(General, 1), sink);
        await sink.WaitForAsync(1, Wait);                 // failed at the timeout while the append still hangs
        batcher.TrySubmit(Msg(General, 2), sink);
        await sink.WaitForAsync(2, Wait);                 // the stuck append still runs: fail without a second one
        Assert.That(store.AppendCalls, Is.EqualTo(1));

        store.Open();                                     // the stuck append ends (it does commit: the ambiguous case)
        long id = 3;
        while (true)
        {
            batcher.TrySubmit(Msg(General, id), sink);
            await sink.WaitForAsync((int)id, Wait);
            if (sink.Completions.Last().Outcome.Status == AppendStatus.Stored) break;
            id++;
            await Task.Delay(20);
        }

        Assert.Multiple(async () =>
        {
            Assert.That(sink.Completions.Take(2).Select(c => c.Outcome.Status), Is.All.EqualTo(AppendStatus.Failed));
            Assert.That(store.AppendCalls, Is.EqualTo(2), "one stuck append, then one real one: never two at once");
            Assert.That(Ids(await store.ReadSinceAsync(General, 0, 10, CancellationToken.None)), Is.EqualTo(new long[] { 1, id }));
        });
    }

    [Test]
    public async Task Drain_PendingSubmissions_AreAllCommittedThenSubmitIsRefused()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        var batcher = new MessageBatcher(store, new MessageBatcherOptions { MaxBatchSize = 64 });
        batcher.Start();
        store.Close();
        batcher.TrySubmit(Msg(General, 1), sink);
        await store.Entered.Task.WaitAsync(Wait);
        for (int i = 2; i <= 500; i++) batcher.TrySubmit(Msg(General, i), sink);
        Task drain = batcher.DrainAsync(CancellationToken.None);
        Assert.That(batcher.TrySubmit(Msg(General, 501), sink), Is.False, "no new submissions while draining");
        store.Open();
        await drain.WaitAsync(Wait);

        Assert.Multiple(async () =>
        {
            Assert.That(sink.Completions, Has.Count.EqualTo(500));
            Assert.That(sink.Completions.Select(c => c.Outcome.Status), Is.All.EqualTo(AppendStatus.Stored));
            Assert.That(await store.GetLastIdAsync(General, CancellationToken.None), Is.EqualTo(500));
        });
    }

    [Test]
    public async Task Drain_BatchWaitingOutMaxBatchDelay_CommitsAtOnce()
    {
        // An hour's batch delay: without the drain cutting it short, the drain (and the host's shutdown) would wait
        // it out or hit its deadline and fail the batch.
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        var batcher = new MessageBatcher(store, new MessageBatcherOptions { MaxBatchDelay = TimeSpan.FromHours(1) });
        batcher.Start();
        for (int i = 1; i <= 3; i++) Assert.That(batcher.TrySubmit(Msg(General, i), sink), Is.True);
        Assert.That(store.AppendCalls, Is.Zero, "the batch waits for company");

        await batcher.DrainAsync(CancellationToken.None).WaitAsync(Wait);

        Assert.Multiple(() =>
        {
            Assert.That(sink.Completions.Select(c => c.Outcome.Status), Is.EqualTo(Enumerable.Repeat(AppendStatus.Stored, 3)));
            Assert.That(store.BatchSizes, Is.EqualTo(new[] { 3 }));
        });
    }

    [Test]
    public async Task Drain_DeadlinePassesDuringAHungCommit_EveryPendingSubmissionFailsOnce()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        var batcher = new MessageBatcher(store, new MessageBatcherOptions { MaxBatchSize = 10, CommitTimeout = TimeSpan.FromMinutes(5) });
        batcher.Start();
        store.Close();
        batcher.TrySubmit(Msg(General, 1), sink, 1);
        await store.Entered.Task.WaitAsync(Wait);
        for (int i = 2; i <= 35; i++) batcher.TrySubmit(Msg(General, i), sink, i);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await batcher.DrainAsync(deadline.Token).WaitAsync(Wait);

        Assert.Multiple(() =>
        {
            Assert.That(sink.Completions.Select(c => c.State), Is.EquivalentTo(Enumerable.Range(1, 35).Select(i => (long)i)));
            Assert.That(sink.Completions.Select(c => c.Outcome.Status), Is.All.EqualTo(AppendStatus.Failed));
            Assert.That(batcher.Pending, Is.Zero);
        });
    }

    [Test]
    public async Task Drain_NeverStarted_StillCompletesAcceptedSubmissions()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        var batcher = new MessageBatcher(store);
        batcher.TrySubmit(Msg(General, 1), sink);
        await batcher.DrainAsync(CancellationToken.None).WaitAsync(Wait);
        Assert.That(sink.Completions.Single().Outcome, Is.EqualTo(AppendOutcome.Stored));
    }

    [Test]
    public async Task Sink_Throws_OtherCompletionsStillDelivered()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store);
        store.Close();
        batcher.Start();
        batcher.TrySubmit(Msg(General, 1), sink);
        await store.Entered.Task.WaitAsync(Wait);
        batcher.TrySubmit(Msg(General, 2), new ThrowingSink());
        batcher.TrySubmit(Msg(General, 3), sink);
        store.Open();
        await sink.WaitForAsync(2, Wait);
        Assert.That(sink.Completions.Select(c => c.Message.Id), Is.EqualTo(new long[] { 1, 3 }));
    }

    [Test]
    public async Task Metrics_CommitsAndFailures_AreCounted()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        var metrics = new StorageMetrics();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { RetryDelay = TimeSpan.Zero }, metrics: metrics);
        for (int i = 1; i <= 3; i++) batcher.TrySubmit(Msg(General, i), sink);
        Assert.That(metrics.Pending, Is.EqualTo(3), "the pending gauge reads the batcher");
        batcher.Start();
        await sink.WaitForAsync(3, Wait);
        store.Failing = true;
        batcher.TrySubmit(Msg(General, 4), sink);
        await sink.WaitForAsync(4, Wait);
        Assert.Multiple(() =>
        {
            Assert.That(metrics.MessagesStored, Is.EqualTo(3));
            Assert.That(metrics.BatchSize.Count, Is.EqualTo(1));
            Assert.That(metrics.FailedBatches, Is.EqualTo(1));
            Assert.That(metrics.Pending, Is.Zero);
        });
    }

    [Test]
    public void Options_Invalid_Throw()
    {
        var store = new ControllableMessageStore();
        Assert.Multiple(() =>
        {
            Assert.That(() => new MessageBatcher(store, new MessageBatcherOptions { MaxBatchSize = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new MessageBatcher(store, new MessageBatcherOptions { MaxPending = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new MessageBatcher(store, new MessageBatcherOptions { CommitTimeout = TimeSpan.Zero }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new MessageBatcher(store, new MessageBatcherOptions { RetryDelay = TimeSpan.FromSeconds(5), MaxRetryDelay = TimeSpan.FromSeconds(1) }), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }

    private static long[] Ids(MessagePage page) => [.. page.Messages.Select(m => m.Id)];

    private sealed class ThrowingSink : IAppendCompletionSink
    {
        public void OnAppendCompleted(in AppendCompletion completion) => throw new InvalidOperationException("sink bug (test)");
    }
}
