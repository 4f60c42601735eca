using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using WsChat.Core.Diagnostics;
using WsChat.Host.Metrics;
using WsChat.Net.Diagnostics;

namespace WsChat.Tests.Host.Metrics;

public class StatsWriterTests
{
    [Test]
    public void Write_RoomsShardsAndAges_EveryDocumentedFieldIsThere()
    {
        var transport = new TransportMetrics();
        var chat = new ChatMetrics(2);
        transport.ConnectionOpened();
        transport.ConnectionOpened();
        transport.BytesReceived(10);
        transport.BytesSent(20);
        chat.Shard(0).ConnectionsChanged(2);
        chat.ObserveUsers(() => 1, () => 2);
        chat.Shard(1).RoomsChanged(3);
        chat.Shard(1).MembersChanged(6);
        chat.Shard(1).ObserveQueueDepth(() => 4);
        chat.Shard(1).RoomMessageFannedOut(3, Stopwatch.GetTimestamp());
        var snapshot = new ChatStatsSnapshot();
        snapshot.AddRooms([new RoomStat("quiet", 1, 3, 1), new RoomStat("busy", 1, 2, 900), new RoomStat("big", 1, 1, 0)]);
        snapshot.AddConnectionAge(TimeSpan.FromSeconds(5));
        snapshot.AddConnectionAge(TimeSpan.FromHours(2));

        using JsonDocument doc = Write(new MetricsSources(transport, chat), snapshot, [0.1, 90, 0], top: 2);
        JsonElement root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("ready").GetBoolean(), Is.True);
            Assert.That(root.GetProperty("uptime_seconds").GetDouble(), Is.EqualTo(42));
            Assert.That(root.GetProperty("timestamp").GetInt64(), Is.EqualTo(1_764_087_000_000));
            JsonElement connections = root.GetProperty("connections");
            Assert.That(connections.GetProperty("open").GetInt64(), Is.EqualTo(2));
            Assert.That(connections.GetProperty("authenticated").GetInt64(), Is.EqualTo(2));
            Assert.That(connections.GetProperty("opened_total").GetInt64(), Is.EqualTo(2));
            JsonElement ages = connections.GetProperty("age_seconds");
            Assert.That(ages.GetProperty("count").GetInt64(), Is.EqualTo(2));
            Assert.That(ages.GetProperty("max").GetInt64(), Is.EqualTo(7200));
            Assert.That(ages.GetProperty("p50").GetDouble(), Is.InRange(1, 10));
            Assert.That(ages.GetProperty("buckets").GetArrayLength(), Is.EqualTo(HistogramBuckets.AgeSeconds.Length + 1));
            Assert.That(ages.GetProperty("buckets")[HistogramBuckets.AgeSeconds.Length].GetProperty("le").GetString(), Is.EqualTo("+Inf"));
            Assert.That(root.GetProperty("bytes").GetProperty("received").GetInt64(), Is.EqualTo(10));
            Assert.That(root.GetProperty("bytes").GetProperty("sent").GetInt64(), Is.EqualTo(20));
            JsonElement shards = root.GetProperty("shards");
            Assert.That(shards.GetArrayLength(), Is.EqualTo(2));
            Assert.That(shards[1].GetProperty("rooms").GetInt64(), Is.EqualTo(3));
            Assert.That(shards[1].GetProperty("room_members").GetInt64(), Is.EqualTo(6));
            Assert.That(shards[1].GetProperty("queue_depth").GetInt64(), Is.EqualTo(4));
            Assert.That(shards[0].GetProperty("connections").GetInt64(), Is.EqualTo(2));
            Assert.That(shards[1].GetProperty("deliveries_total").GetInt64(), Is.EqualTo(3));
            Assert.That(root.GetProperty("rooms").GetInt32(), Is.EqualTo(3));
            JsonElement byMembers = root.GetProperty("top_rooms_by_members");
            Assert.That(byMembers.GetArrayLength(), Is.EqualTo(2), "top=2");
            Assert.That(byMembers[0].GetProperty("room").GetString(), Is.EqualTo("quiet"));
            Assert.That(byMembers[1].GetProperty("room").GetString(), Is.EqualTo("busy"));
            JsonElement byRate = root.GetProperty("top_rooms_by_message_rate");
            Assert.That(byRate[0].GetProperty("room").GetString(), Is.EqualTo("busy"));
            Assert.That(byRate[0].GetProperty("messages_per_second").GetDouble(), Is.EqualTo(90));
            Assert.That(byRate[0].GetProperty("messages_total").GetInt64(), Is.EqualTo(900));
            Assert.That(root.GetProperty("storage").GetProperty("pending").GetInt64(), Is.Zero);
        });
    }

    [Test]
    public void Write_NoRoomsNoConnections_IsStillAValidDocument()
    {
        using JsonDocument doc = Write(new MetricsSources(null, null, () => false), new ChatStatsSnapshot(), [], top: 0);
        Assert.Multiple(() =>
        {
            Assert.That(doc.RootElement.GetProperty("ready").GetBoolean(), Is.False);
            Assert.That(doc.RootElement.GetProperty("top_rooms_by_members").GetArrayLength(), Is.Zero);
            Assert.That(doc.RootElement.GetProperty("connections").GetProperty("age_seconds").GetProperty("p99").GetDouble(), Is.Zero);
        });
    }

    [Test]
    public void Write_RatesNotMatchingRooms_Throws() =>
        Assert.That(() => Write(new MetricsSources(null, null), new ChatStatsSnapshot(), [1.0], top: 10), Throws.ArgumentException);

    private static JsonDocument Write(MetricsSources sources, ChatStatsSnapshot snapshot, double[] rates, int top)
    {
        var buffer = new ArrayBufferWriter<byte>();
        StatsWriter.Write(buffer, sources, snapshot, rates, DateTimeOffset.FromUnixTimeMilliseconds(1_764_087_000_000), TimeSpan.FromSeconds(42), top);
        return JsonDocument.Parse(buffer.WrittenMemory);
    }
}
