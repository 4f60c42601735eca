using System.Diagnostics;
using System.Text;
using WsChat.Core.Diagnostics;
using WsChat.Host.Metrics;
using WsChat.Net.Diagnostics;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host.Metrics;

public class PrometheusMetricsTests
{
    [Test]
    public async Task Scrape_AfterEveryKindOfEvent_EachMetricShowsItsCount()
    {
        var transport = new TransportMetrics();
        var chat = new ChatMetrics(2);
        bool ready = false;
        var metrics = new PrometheusMetrics(new MetricsSources(transport, chat, () => ready));

        PrometheusExposition before = await ScrapeAsync(metrics);
        Assert.That(before.Value(MetricNames.ConnectionsOpened), Is.Zero);

        for (int i = 0; i < 3; i++) transport.ConnectionOpened();
        transport.ConnectionClosed(1000);
        transport.ConnectionClosed(1008);
        transport.BytesReceived(1234);
        transport.BytesSent(4321);
        transport.HandshakeRejected(401);
        transport.HandshakeRejected(401);
        transport.HandshakeRejected(426);
        transport.ObserveOutboundBytes(() => 777);
        transport.SlowConsumerClosed();
        transport.HeadTimeoutDeferred();
        transport.HeadTimeoutDeferred();
        chat.MessageReceived(ReceivedMessageType.Join);
        chat.MessageReceived(ReceivedMessageType.Message);
        chat.MessageReceived(ReceivedMessageType.Message);
        chat.Error(Array.IndexOf(ChatErrorLabels.ErrorCodes, "rate_limited"));
        chat.RateLimited(RateLimitBucket.User);
        chat.AuthFailed(WsChat.Core.Auth.AuthFailure.BadSignature);
        chat.FloodClosed();
        chat.ObserveUsers(() => 1, () => 2);
        chat.Shard(1).RoomsChanged(1);
        chat.Shard(1).MembersChanged(2);
        chat.Shard(1).RoomMessageFannedOut(2, Stopwatch.GetTimestamp());
        chat.Shard(0).DirectMessageSent(3);
        chat.Shard(1).ObserveQueueDepth(() => 5);
        chat.Storage.BatchCommitted(4, TimeSpan.FromMilliseconds(1.5));
        chat.Storage.BatchFailed();
        chat.Storage.ObservePending(() => 9);
        ready = true;

        PrometheusExposition doc = await ScrapeAsync(metrics);
        Assert.Multiple(() =>
        {
            Assert.That(doc.Value(MetricNames.Connections), Is.EqualTo(1));
            Assert.That(doc.TypeOf(MetricNames.Connections), Is.EqualTo("gauge"));
            Assert.That(doc.Value(MetricNames.ConnectionsOpened), Is.EqualTo(3));
            Assert.That(doc.TypeOf(MetricNames.ConnectionsOpened), Is.EqualTo("counter"));
            Assert.That(doc.Value(MetricNames.ConnectionsClosed, "code=1000"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.ConnectionsClosed, "code=1008"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.ConnectionsClosed, "code=1001"), Is.Zero);
            Assert.That(doc.Value(MetricNames.BytesReceived), Is.EqualTo(1234));
            Assert.That(doc.Value(MetricNames.BytesSent), Is.EqualTo(4321));
            Assert.That(doc.Value(MetricNames.HandshakeRejections, "status=401"), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.HandshakeRejections, "status=426"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.OutboundQueueBytes), Is.EqualTo(777));
            Assert.That(doc.Value(MetricNames.SlowConsumerCloses), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.HeadTimeoutsDeferred), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.AuthenticatedConnections), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.Users), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.Rooms), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.RoomMembers), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.MessagesReceived, "type=message"), Is.EqualTo(2));
            Assert.That(doc.Value(MetricNames.MessagesReceived, "type=join"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.MessagesReceived, "type=dm"), Is.Zero);
            Assert.That(doc.Value(MetricNames.RoomMessages), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.DirectMessages), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.Deliveries), Is.EqualTo(5));
            Assert.That(doc.Value(MetricNames.Errors, "code=rate_limited"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.RateLimited, "bucket=user"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.FloodCloses), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.AuthFailures, "reason=bad_signature"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.ShardQueueDepth, "shard=1"), Is.EqualTo(5));
            Assert.That(doc.Value(MetricNames.ShardQueueDepth, "shard=0"), Is.Zero);
            Assert.That(doc.Value(MetricNames.MessageLatency + "_count"), Is.EqualTo(1));
            Assert.That(doc.TypeOf(MetricNames.MessageLatency), Is.EqualTo("histogram"));
            Assert.That(doc.Value(MetricNames.StorageBatchSize + "_bucket", "le=4"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.StorageBatchSize + "_bucket", "le=2"), Is.Zero);
            Assert.That(doc.Value(MetricNames.StorageBatchSize + "_sum"), Is.EqualTo(4).Within(1e-9));
            Assert.That(doc.Value(MetricNames.StorageCommitLatency + "_count"), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.StorageMessages), Is.EqualTo(4));
            Assert.That(doc.Value(MetricNames.StorageFailedBatches), Is.EqualTo(1));
            Assert.That(doc.Value(MetricNames.StoragePending), Is.EqualTo(9));
            Assert.That(doc.Value(MetricNames.Ready), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Scrape_Always_IncludesDotNetAndProcessMetrics()
    {
        PrometheusExposition doc = await ScrapeAsync(new PrometheusMetrics(new MetricsSources(null, null)));
        Assert.Multiple(() =>
        {
            Assert.That(doc.Families.Keys, Has.Some.StartsWith("dotnet_collection_count"));
            Assert.That(doc.Families.Keys, Has.Some.StartsWith("process_cpu_seconds"));
            Assert.That(doc.Families.Keys, Has.Some.StartsWith("process_working_set"));
        });
    }

    [Test]
    public async Task Scrape_TwoServersInOneProcess_KeepTheirOwnFigures()
    {
        var a = new TransportMetrics();
        var b = new TransportMetrics();
        a.ConnectionOpened();
        PrometheusExposition docA = await ScrapeAsync(new PrometheusMetrics(new MetricsSources(a, null)));
        PrometheusExposition docB = await ScrapeAsync(new PrometheusMetrics(new MetricsSources(b, null)));
        Assert.Multiple(() =>
        {
            Assert.That(docA.Value(MetricNames.ConnectionsOpened), Is.EqualTo(1));
            Assert.That(docB.Value(MetricNames.ConnectionsOpened), Is.Zero);
        });
    }

    [Test]
    public async Task Scrape_CountersBetweenScrapes_NeverGoBackwards()
    {
        var transport = new TransportMetrics();
        var metrics = new PrometheusMetrics(new MetricsSources(transport, null));
        double last = 0;
        for (int round = 0; round < 5; round++)
        {
            transport.BytesSent(10 * round);
            double now = (await ScrapeAsync(metrics)).Value(MetricNames.BytesSent);
            Assert.That(now, Is.GreaterThanOrEqualTo(last));
            last = now;
        }

        Assert.That(last, Is.EqualTo(100));
    }

    internal static async Task<PrometheusExposition> ScrapeAsync(PrometheusMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.WriteAsync(stream, CancellationToken.None);
        return PrometheusText.Parse(Encoding.UTF8.GetString(stream.ToArray()));
    }
}
