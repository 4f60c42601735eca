using WsChat.Core.Ports;
using WsChat.Core.Storage;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Storage;

[CancelAfter(30_000)]
public sealed class StorageReadinessCheckTests
{
    private static readonly ConversationKey Room = ConversationKey.Room("general");

    private static async Task FailOneBatchAsync(MessageBatcher batcher, RecordingCompletionSink sink, long id)
    {
        int before = sink.Completions.Count;
        batcher.TrySubmit(new StoredMessage(Room, id, "u1", "alice", "x", 1_764_087_000_000 + id), sink);
        await sink.WaitForAsync(before + 1, TimeSpan.FromSeconds(20));
    }

    [Test]
    public async Task IsReady_FailedCommit_NotReadyUntilAProbeReachesStorage()
    {
        var store = new ControllableMessageStore();
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { RetryDelay = TimeSpan.FromHours(1), MaxRetryDelay = TimeSpan.FromHours(1) });
        batcher.Start();
        var check = new StorageReadinessCheck(batcher, store);
        Assert.That(check.IsReady, Is.True, "ready before any failure");

        store.Failing = true;
        store.ReadsFailing = true;
        await FailOneBatchAsync(batcher, sink, 1);
        Assert.That(check.IsReady, Is.False, "a failed commit makes the node not ready");
        await Task.Delay(StorageReadinessCheck.ProbeInterval * 2);
        Assert.That(check.IsReady, Is.False, "the probe cannot read storage either");

        // Storage is back; no message arrives (a node that is not ready gets no new clients): the probe notices.
        store.Failing = false;
        store.ReadsFailing = false;
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!check.IsReady && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Multiple(() =>
        {
            Assert.That(check.IsReady, Is.True);
            Assert.That(batcher.IsHealthy, Is.False, "no commit has succeeded yet: only the probe says so");
            Assert.That(check.Name, Is.EqualTo("storage"));
        });
    }

    [Test]
    public async Task IsReady_AfterASuccessfulCommit_IsReadyAgain()
    {
        var store = new ControllableMessageStore { Failing = true };
        var sink = new RecordingCompletionSink();
        await using var batcher = new MessageBatcher(store, new MessageBatcherOptions { RetryDelay = TimeSpan.Zero });
        batcher.Start();
        var check = new StorageReadinessCheck(batcher, store);
        store.ReadsFailing = true;
        await FailOneBatchAsync(batcher, sink, 1);
        Assert.That(check.IsReady, Is.False);
        store.Failing = false;
        await FailOneBatchAsync(batcher, sink, 2);      // this one commits
        Assert.That(check.IsReady, Is.True);
    }
}
