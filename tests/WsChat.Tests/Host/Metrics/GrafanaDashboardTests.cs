using System.Text.Json;
using System.Text.RegularExpressions;
using WsChat.Core.Diagnostics;
using WsChat.Host.Metrics;
using WsChat.Net.Diagnostics;
using WsChat.Tests.Support;

namespace WsChat.Tests.Host.Metrics;

/// <summary>docs/grafana-dashboard.json stays true to what /metrics exports.</summary>
public partial class GrafanaDashboardTests
{
    [Test]
    public async Task Dashboard_EveryQuery_UsesOnlyMetricsAndLabelsThatAreExported()
    {
        // A scrape where every labelled family has children, so their label names are visible.
        var chat = new ChatMetrics(2);
        chat.Shard(0).RoomMessageFannedOut(1, System.Diagnostics.Stopwatch.GetTimestamp());
        chat.Storage.BatchCommitted(1, TimeSpan.FromMilliseconds(1));
        PrometheusExposition scrape = await PrometheusMetricsTests.ScrapeAsync(new PrometheusMetrics(new MetricsSources(new TransportMetrics(), chat)));
        var samples = scrape.Families.Values.SelectMany(f => f.Samples).GroupBy(s => s.Name)
            .ToDictionary(g => g.Key, g => g.SelectMany(s => s.Labels.Keys).Append("instance").Append("le").ToHashSet());

        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf("docs/grafana-dashboard.json")));
        string[] exprs = [.. dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)];
        Assert.That(exprs, Has.Length.GreaterThan(20));

        Assert.Multiple(() =>
        {
            foreach (string expr in exprs)
            {
                string[] metrics = [.. MetricName().Matches(expr).Select(m => m.Value)];
                Assert.That(metrics, Is.Not.Empty, expr);
                foreach (string metric in metrics)
                {
                    Assert.That(samples.ContainsKey(metric), Is.True, $"{metric} in: {expr}");
                    if (!samples.TryGetValue(metric, out HashSet<string>? labels)) continue;
                    foreach (Match by in ByClause().Matches(expr))
                        foreach (string label in by.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries))
                            Assert.That(labels, Does.Contain(label), $"label {label} of {metric} in: {expr}");
                }
            }
        });
    }

    [GeneratedRegex(@"\b(?:wschat|process|dotnet)_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"by \(([a-z_, ]+)\)")]
    private static partial Regex ByClause();
}
