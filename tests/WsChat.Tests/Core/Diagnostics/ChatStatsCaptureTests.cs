using WsChat.Core.Diagnostics;
using WsChat.Tests.Support;

namespace WsChat.Tests.Core.Diagnostics;

/// <summary>What <c>/stats</c> gets from the chat engine: every room from its shard's loop, and connection ages.</summary>
public class ChatStatsCaptureTests
{
    [Test]
    public async Task CaptureStats_RoomsOnEveryShardAndConnectionAges_AreAllThere()
    {
        using var chat = new ChatHarness();
        var alice = chat.Connect("alice");
        chat.Time.Advance(TimeSpan.FromSeconds(90));
        var bob = chat.Connect("bob");
        string[] rooms = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"];
        foreach (string room in rooms) alice.Join(room);
        bob.Join("r3");
        alice.Say("r3", "one");
        alice.Say("r3", "two");
        chat.Time.Advance(TimeSpan.FromSeconds(10));

        ValueTask<ChatStatsSnapshot> capture = chat.Engine.CaptureStatsAsync(CancellationToken.None);
        Assert.That(capture.IsCompleted, Is.False, "rooms are read on the shards' loops, which have not run yet");
        chat.Engine.RunShards();
        ChatStatsSnapshot snapshot = await capture;

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Rooms.Select(r => r.Name), Is.EquivalentTo(rooms));
            RoomStat r3 = snapshot.Rooms.Single(r => r.Name == "r3");
            Assert.That(r3.Members, Is.EqualTo(2));
            Assert.That(r3.MessagesTotal, Is.EqualTo(2));
            Assert.That(snapshot.Rooms.Where(r => r.Name != "r3").Select(r => r.Members), Is.All.EqualTo(1));
            Assert.That(snapshot.Rooms.Select(r => r.Shard).Distinct().Count(), Is.GreaterThan(1), "8 rooms over 4 shards");
            Assert.That(snapshot.OldestConnectionSeconds, Is.EqualTo(100), "alice: 90 s + 10 s");
            Assert.That(snapshot.ConnectionAges.Count, Is.EqualTo(2));
        });
    }

    [Test]
    public void CaptureStats_ShardsThatNeverRun_CancelledByTheCallersToken()
    {
        using var chat = new ChatHarness();
        using var cts = new CancellationTokenSource();
        ValueTask<ChatStatsSnapshot> capture = chat.Engine.CaptureStatsAsync(cts.Token);
        cts.Cancel();
        Assert.That(async () => await capture, Throws.InstanceOf<OperationCanceledException>());
    }
}
