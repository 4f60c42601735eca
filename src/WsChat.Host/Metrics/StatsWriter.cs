using System.Buffers;
using System.Text.Json;
using WsChat.Core.Diagnostics;
using WsChat.Net.Diagnostics;

namespace WsChat.Host.Metrics;

/// <summary>
/// Writes the <c>/stats</c> JSON document (docs/operations.md, "/stats" lists every field): per-shard
/// figures, the top rooms by members and by message rate, connection ages, bytes in and out, storage.
/// </summary>
internal static class StatsWriter
{
    /// <summary>Default number of rooms in each top list.</summary>
    public const int DefaultTop = 10;

    /// <summary>Largest top list a request may ask for (<c>?top=</c>).</summary>
    public const int MaxTop = 100;

    /// <summary>Writes the document into <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, MetricsSources sources, ChatStatsSnapshot snapshot, double[] roomRates,
        DateTimeOffset now, TimeSpan uptime, int top = DefaultTop)
    {
        if (roomRates.Length != snapshot.Rooms.Count) throw new ArgumentException("One rate per room.", nameof(roomRates));
        top = Math.Clamp(top, 1, MaxTop);
        TransportMetrics t = sources.Transport;
        ChatMetrics c = sources.Chat;
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });

        json.WriteStartObject();
        json.WriteNumber("timestamp", now.ToUnixTimeMilliseconds());
        json.WriteNumber("uptime_seconds", Math.Round(uptime.TotalSeconds, 3));
        json.WriteBoolean("ready", sources.IsReady());

        json.WriteStartObject("connections");
        json.WriteNumber("open", t.ConnectionsCurrent);
        json.WriteNumber("authenticated", c.AuthenticatedConnections);
        json.WriteNumber("users", c.Users);
        json.WriteNumber("opened_total", t.ConnectionsOpened);
        json.WriteNumber("closed_total", t.ConnectionsClosed);
        WriteAges(json, snapshot);
        json.WriteEndObject();

        json.WriteStartObject("bytes");
        json.WriteNumber("received", t.BytesReceivedTotal);
        json.WriteNumber("sent", t.BytesSentTotal);
        json.WriteNumber("outbound_queued", t.OutboundQueueBytes);
        json.WriteEndObject();

        json.WriteStartArray("shards");
        foreach (ShardMetrics shard in c.Shards)
        {
            json.WriteStartObject();
            json.WriteNumber("shard", shard.Index);
            json.WriteNumber("connections", shard.Connections);
                        json.WriteNumber("rooms", shard.Rooms);
            json.WriteNumber("room_members", shard.RoomMembers);
            json.WriteNumber("queue_depth", shard.QueueDepth);
            json.WriteNumber("room_messages_total", shard.RoomMessages);
            json.WriteNumber("deliveries_total", shard.Deliveries);
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteNumber("rooms", snapshot.Rooms.Count);
        int[] order = [.. Enumerable.Range(0, snapshot.Rooms.Count)];
        WriteTop(json, "top_rooms_by_members", snapshot, roomRates,
            order.OrderByDescending(i => snapshot.Rooms[i].Members).ThenBy(i => snapshot.Rooms[i].Name, StringComparer.Ordinal).Take(top));
        WriteTop(json, "top_rooms_by_message_rate", snapshot, roomRates,
            order.OrderByDescending(i => roomRates[i]).ThenBy(i => snapshot.Rooms[i].Name, StringComparer.Ordinal).Take(top));

        json.WriteStartObject("storage");
        json.WriteNumber("pending", c.Storage.Pending);
        json.WriteNumber("messages_stored_total", c.Storage.MessagesStored);
        json.WriteNumber("failed_batches_total", c.Storage.FailedBatches);
        json.WriteEndObject();

        json.WriteEndObject();
        json.Flush();
    }

    private static void WriteAges(Utf8JsonWriter json, ChatStatsSnapshot snapshot)
    {
        FixedHistogram ages = snapshot.ConnectionAges;
        long[] counts = new long[ages.BucketCount];
        ages.AddTo(counts);
        json.WriteStartObject("age_seconds");
        json.WriteNumber("count", ages.Count);
        json.WriteNumber("p50", Math.Round(HistogramQuantiles.Estimate(counts, ages.UpperBounds, 0.50), 1));
        json.WriteNumber("p90", Math.Round(HistogramQuantiles.Estimate(counts, ages.UpperBounds, 0.90), 1));
        json.WriteNumber("p99", Math.Round(HistogramQuantiles.Estimate(counts, ages.UpperBounds, 0.99), 1));
        json.WriteNumber("max", snapshot.OldestConnectionSeconds);
        json.WriteStartArray("buckets");
        for (int i = 0; i < counts.Length; i++)
        {
            json.WriteStartObject();
            if (i < ages.UpperBounds.Length) json.WriteNumber("le", ages.UpperBounds[i]);
            else json.WriteString("le", "+Inf");
            json.WriteNumber("count", counts[i]);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteTop(Utf8JsonWriter json, string name, ChatStatsSnapshot snapshot, double[] rates, IEnumerable<int> indices)
    {
        json.WriteStartArray(name);
        foreach (int i in indices)
        {
            RoomStat room = snapshot.Rooms[i];
            json.WriteStartObject();
            json.WriteString("room", room.Name);
            json.WriteNumber("shard", room.Shard);
            json.WriteNumber("members", room.Members);
            json.WriteNumber("messages_total", room.MessagesTotal);
            json.WriteNumber("messages_per_second", Math.Round(rates[i], 3));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
