using System.Diagnostics;
using System.Diagnostics.Metrics;
using WsChat.Core.Diagnostics;
using WsChat.Host.Metrics;
using WsChat.Net.Diagnostics;

namespace WsChat.Tests.Host.Metrics;

public class WsChatMeterTests
{
    [Test]
    public void Listener_AfterEvents_ReadsTheSameFiguresAsPrometheus()
    {
        var transport = new TransportMetrics();
        var chat = new ChatMetrics(2);
        using var meter = new WsChatMeter(new MetricsSources(transport, chat));
        transport.ConnectionOpened();
        transport.ConnectionOpened();
        transport.ConnectionClosed(1001);
        transport.BytesSent(99);
        chat.MessageReceived(ReceivedMessageType.Dm);
        chat.Shard(1).RoomMessageFannedOut(7, Stopwatch.GetTimestamp());
        chat.AuthFailed(AuthFailureReason.Timeout);

        Dictionary<string, long> seen = Collect(meter);
        Assert.Multiple(() =>
        {
            Assert.That(meter.Meter.Name, Is.EqualTo("WsChat"));
            Assert.That(seen["wschat.connections"], Is.EqualTo(1));
            Assert.That(seen["wschat.connections.opened"], Is.EqualTo(2));
            Assert.That(seen["wschat.connections.closed{code=1001}"], Is.EqualTo(1));
            Assert.That(seen["wschat.bytes.sent"], Is.EqualTo(99));
            Assert.That(seen["wschat.messages.received{type=dm}"], Is.EqualTo(1));
            Assert.That(seen["wschat.deliveries"], Is.EqualTo(7));
            Assert.That(seen["wschat.room_messages"], Is.EqualTo(1));
            Assert.That(seen["wschat.message.latency.count"], Is.EqualTo(1));
            Assert.That(seen["wschat.auth.failures{reason=timeout}"], Is.EqualTo(1));
            Assert.That(seen["wschat.ready"], Is.EqualTo(1));
        });
    }

    private static Dictionary<string, long> Collect(WsChatMeter meter)
    {
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter.Meter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string key = instrument.Name;
            foreach (KeyValuePair<string, object?> tag in tags) key += $"{{{tag.Key}={tag.Value}}}";
            seen[key] = value;
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => seen[instrument.Name] = (long)value);
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }
}
