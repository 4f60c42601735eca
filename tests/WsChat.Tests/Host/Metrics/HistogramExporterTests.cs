using Prometheus;
using WsChat.Host.Metrics;
using WsChat.Net.Diagnostics;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host.Metrics;

public class HistogramExporterTests
{
    [Test]
    public async Task Fold_ValuesInEveryBucket_ExportsExactCountsAndSum()
    {
        (CollectorRegistry registry, HistogramExporter exporter, FixedHistogram[] shards) = Build([10, 100, 1000], shardCount: 2);
        long[] values = [1, 10, 11, 99, 100, 101, 5000];
        for (int i = 0; i < values.Length; i++) shards[i % 2].Record(values[i]);
        exporter.Fold();

        PrometheusExposition doc = await ScrapeAsync(registry);
        Assert.Multiple(() =>
        {
            Assert.That(doc.Value("h_bucket", "le=10"), Is.EqualTo(2));
            Assert.That(doc.Value("h_bucket", "le=100"), Is.EqualTo(5));
            Assert.That(doc.Value("h_bucket", "le=1000"), Is.EqualTo(6));
            Assert.That(doc.Value("h_bucket", "le=+Inf"), Is.EqualTo(7));
            Assert.That(doc.Value("h_count"), Is.EqualTo(7));
            Assert.That(doc.Value("h_sum"), Is.EqualTo((double)values.Sum()).Within(1e-6));
        });
    }

    [Test]
    public async Task Fold_NoOverflow_SumStaysExactAcrossScrapes()
    {
        (CollectorRegistry registry, HistogramExporter exporter, FixedHistogram[] shards) = Build([10, 100], shardCount: 1);
        shards[0].Record(3);
        shards[0].Record(50);
        exporter.Fold();
        shards[0].Record(10);
        shards[0].Record(11);
        exporter.Fold();
        exporter.Fold();   // nothing new: nothing changes

        PrometheusExposition doc = await ScrapeAsync(registry);
        Assert.Multiple(() =>
        {
            Assert.That(doc.Value("h_bucket", "le=10"), Is.EqualTo(2));
            Assert.That(doc.Value("h_bucket", "le=100"), Is.EqualTo(4));
            Assert.That(doc.Value("h_count"), Is.EqualTo(4));
            Assert.That(doc.Value("h_sum"), Is.EqualTo(74).Within(1e-9));
        });
    }

    [Test]
    public async Task Fold_ScaledMicroseconds_ExportsSeconds()
    {
        (CollectorRegistry registry, HistogramExporter exporter, FixedHistogram[] shards) = Build(HistogramBuckets.LatencyMicroseconds.ToArray(), 1, divisor: 1e6);
        shards[0].Record(2_000);      // 2 ms
        shards[0].Record(30_000);     // 30 ms
        exporter.Fold();
        PrometheusExposition doc = await ScrapeAsync(registry);
        Assert.Multiple(() =>
        {
            Assert.That(doc.Value("h_bucket", "le=0.001"), Is.Zero);
            Assert.That(doc.Value("h_bucket", "le=0.0025"), Is.EqualTo(1));
            Assert.That(doc.Value("h_bucket", "le=0.05"), Is.EqualTo(2));
            Assert.That(doc.Value("h_sum"), Is.EqualTo(0.032).Within(1e-9));
        });
    }

    [Test]
    public void Constructor_SourcesWithDifferentBounds_Throws()
    {
        CollectorRegistry registry = Prometheus.Metrics.NewCustomRegistry();
        Histogram h = Prometheus.Metrics.WithCustomRegistry(registry).CreateHistogram("h", "x", new HistogramConfiguration { Buckets = [1] });
        Assert.That(() => new HistogramExporter(h, [new FixedHistogram([1]), new FixedHistogram([2])], 1), Throws.ArgumentException);
    }

    private static (CollectorRegistry, HistogramExporter, FixedHistogram[]) Build(long[] bounds, int shardCount, double divisor = 1)
    {
        CollectorRegistry registry = Prometheus.Metrics.NewCustomRegistry();
        Histogram histogram = Prometheus.Metrics.WithCustomRegistry(registry).CreateHistogram("h", "test",
            new HistogramConfiguration { Buckets = HistogramExporter.BucketsFor(bounds, divisor) });
        FixedHistogram[] shards = [.. Enumerable.Range(0, shardCount).Select(_ => new FixedHistogram(bounds))];
        return (registry, new HistogramExporter(histogram, shards, divisor), shards);
    }

    private static async Task<PrometheusExposition> ScrapeAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
