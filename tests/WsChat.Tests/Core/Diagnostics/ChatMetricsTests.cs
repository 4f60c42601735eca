using System.Diagnostics;
using WsChat.Core.Auth;
using WsChat.Core.Diagnostics;
using WsChat.Core.Protocol;

namespace WsChat.Tests.Core.Diagnostics;

public class ChatMetricsTests
{
    [Test]
    public void Events_EachKind_CountUnderTheirOwnLabel()
    {
        var m = new ChatMetrics(2);
        m.MessageReceived(ReceivedMessageType.Message);
        m.MessageReceived(ReceivedMessageType.Message);
        m.MessageReceived(ReceivedMessageType.Invalid);
        m.Error(Array.IndexOf(ChatErrorLabels.ErrorCodes, "not_member"));
        m.Error(999);
        m.Error(-1);
        m.AuthFailed(AuthFailure.Expired);
        m.AuthFailed(AuthFailure.None);
        m.AuthFailed(AuthFailureReason.Timeout);
        m.RateLimited(RateLimitBucket.Connection);
        m.FloodClosed();
        Assert.Multiple(() =>
        {
            Assert.That(m.MessagesReceived(ReceivedMessageType.Message), Is.EqualTo(2));
            Assert.That(m.MessagesReceived(ReceivedMessageType.Invalid), Is.EqualTo(1));
            Assert.That(m.MessagesReceived(ReceivedMessageType.Dm), Is.Zero);
            Assert.That(m.Errors(Array.IndexOf(ChatErrorLabels.ErrorCodes, "not_member")), Is.EqualTo(1));
            Assert.That(m.Errors(Array.IndexOf(ChatErrorLabels.ErrorCodes, "other")), Is.EqualTo(2), "codes out of range count as other");
            Assert.That(m.AuthFailures(Array.IndexOf(ChatErrorLabels.AuthFailureReasons, "expired")), Is.EqualTo(1));
            Assert.That(m.AuthFailures(Array.IndexOf(ChatErrorLabels.AuthFailureReasons, "timeout")), Is.EqualTo(1));
            Assert.That(Enumerable.Range(0, ChatErrorLabels.AuthFailureReasons.Length).Sum(i => m.AuthFailures(i)), Is.EqualTo(2), "None is not a failure");
            Assert.That(m.RateLimitedTotal(RateLimitBucket.Connection), Is.EqualTo(1));
            Assert.That(m.RateLimitedTotal(RateLimitBucket.User), Is.Zero);
            Assert.That(m.FloodCloses, Is.EqualTo(1));
        });
    }

    [Test]
    public void MessageReceivedAndError_ProtocolEnums_MapToTheirWireNames()
    {
        var m = new ChatMetrics(1);
        foreach (CommandType type in Enum.GetValues<CommandType>()) m.MessageReceived(type);
        foreach (ErrorCode code in Enum.GetValues<ErrorCode>()) if (code != ErrorCode.None) m.Error(code);
        Assert.Multiple(() =>
        {
            for (int i = 0; i < ChatErrorLabels.MessageTypes.Length; i++)
                Assert.That(m.MessagesReceived((ReceivedMessageType)i), Is.EqualTo(1), ChatErrorLabels.MessageTypes[i]);
            foreach (ErrorCode code in Enum.GetValues<ErrorCode>())
            {
                if (code == ErrorCode.None) continue;
                string wire = System.Text.Encoding.UTF8.GetString(ErrorCodes.Utf8Name(code));
                Assert.That(m.Errors(Array.IndexOf(ChatErrorLabels.ErrorCodes, wire)), Is.EqualTo(1), wire);
            }

            Assert.That(m.MessagesReceived(ReceivedMessageType.Ping), Is.EqualTo(1));
            Assert.That(m.Errors(ChatErrorLabels.ErrorCodes.Length - 1), Is.Zero, "no protocol code falls into other");
        });
    }

    [Test]
    public void Labels_OneForEveryEnumValue()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ChatErrorLabels.MessageTypes, Has.Length.EqualTo(Enum.GetValues<ReceivedMessageType>().Length));
            Assert.That(ChatErrorLabels.AuthFailureReasons, Has.Length.EqualTo(Enum.GetValues<AuthFailureReason>().Length + Enum.GetValues<AuthFailure>().Length - 1));
            Assert.That(ChatErrorLabels.AuthFailureReasons, Is.Unique);
            Assert.That(ChatErrorLabels.AuthFailureReasons[ChatErrorLabels.AuthSlot(AuthFailure.BadSignature)], Is.EqualTo("bad_signature"));
            Assert.That(ChatErrorLabels.AuthFailureReasons[ChatErrorLabels.AuthSlot(AuthFailureReason.SubjectMismatch)], Is.EqualTo("subject_mismatch"));
            Assert.That(ChatErrorLabels.RateLimitBuckets, Has.Length.EqualTo(Enum.GetValues<RateLimitBucket>().Length));
            // PROTOCOL.md §4 lists eleven error codes.
            Assert.That(ChatErrorLabels.ErrorCodes, Has.Length.EqualTo(12));
        });
    }

    [Test]
    public void ShardMetrics_GaugesAndFanOut_SumOverShards()
    {
        var m = new ChatMetrics(3);
        m.Shard(0).RoomsChanged(1);
        m.Shard(2).RoomsChanged(1);
        m.Shard(2).MembersChanged(5);
        m.Shard(2).MembersChanged(-1);
        m.Shard(1).ConnectionsChanged(2);
        m.ObserveUsers(() => 3, () => 4);
        m.Shard(0).RoomMessageFannedOut(10, Stopwatch.GetTimestamp());
        m.Shard(2).RoomMessageFannedOut(4, Stopwatch.GetTimestamp());
        m.Shard(1).DirectMessageSent(3);
        m.Shard(1).Delivered(1);
        m.Shard(0).ObserveQueueDepth(() => 17);
        Assert.Multiple(() =>
        {
            Assert.That(m.SumShards(s => s.Rooms), Is.EqualTo(2));
            Assert.That(m.SumShards(s => s.RoomMembers), Is.EqualTo(4));
            Assert.That(m.SumShards(s => s.Connections), Is.EqualTo(2));
            Assert.That(m.Users, Is.EqualTo(3));
            Assert.That(m.AuthenticatedConnections, Is.EqualTo(4));
            Assert.That(new ChatMetrics(1).Users, Is.Zero, "nothing registered");
            Assert.That(m.SumShards(s => s.Deliveries), Is.EqualTo(18));
            Assert.That(m.SumShards(s => s.RoomMessages), Is.EqualTo(2));
            Assert.That(m.SumShards(s => s.DirectMessages), Is.EqualTo(1));
            Assert.That(m.SumShards(s => s.DeliveryLatency.Count), Is.EqualTo(2));
            Assert.That(m.Shard(0).QueueDepth, Is.EqualTo(17));
            Assert.That(m.Shard(1).QueueDepth, Is.Zero);
        });
    }

    [Test]
    public void Counting_PerMessageSites_AllocatesNothing()
    {
        var m = new ChatMetrics(2);
        ShardMetrics shard = m.Shard(1);
        m.MessageReceived(ReceivedMessageType.Message);
        shard.RoomMessageFannedOut(1, Stopwatch.GetTimestamp());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            m.MessageReceived(ReceivedMessageType.Message);
            shard.RoomMessageFannedOut(100, Stopwatch.GetTimestamp());
            shard.DirectMessageSent(2);
            m.Error(3);
            m.RateLimited(RateLimitBucket.User);
            m.AuthFailed(AuthFailure.BadSignature);
            m.Storage.BatchCommitted(32, TimeSpan.FromMilliseconds(2));
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Storage_BatchesCommittedAndFailed_AreCounted()
    {
        var m = new ChatMetrics(1);
        m.Storage.BatchCommitted(3, TimeSpan.FromMilliseconds(1));
        m.Storage.BatchCommitted(5, TimeSpan.FromMilliseconds(3));
        m.Storage.BatchFailed();
        Assert.Multiple(() =>
        {
            Assert.That(m.Storage.MessagesStored, Is.EqualTo(8));
            Assert.That(m.Storage.FailedBatches, Is.EqualTo(1));
            Assert.That(m.Storage.BatchSize.Count, Is.EqualTo(2));
            Assert.That(m.Storage.CommitLatency.Count, Is.EqualTo(2));
        });
    }
}
