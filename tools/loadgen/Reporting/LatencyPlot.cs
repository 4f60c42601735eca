using HdrHistogram;
using HdrHistogram.Iteration;
using ScottPlot;

namespace WsChat.LoadGen.Reporting;

/// <summary>
/// Draws the run with ScottPlot: the latency distribution (HdrHistogram's percentile plot, x on a
/// 1/(1-p) log scale so the tail gets room) and, beside it, deliveries/s and p99 per second.
/// </summary>
internal static class LatencyPlot
{
    public static void Save(string path, RunResult result, HistogramBase latency)
    {
        var multi = new Multiplot();
        multi.AddPlots(2);
        DrawPercentiles(multi.GetPlot(0), result, latency);
        DrawTimeline(multi.GetPlot(1), result);
        multi.SavePng(path, 1400, 600);
    }

    private static void DrawPercentiles(Plot plot, RunResult result, HistogramBase latency)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (HistogramIterationValue v in latency.Percentiles(5))
        {
            double p = v.PercentileLevelIteratedTo / 100.0;
            if (p >= 1) break;
            xs.Add(Math.Log10(1 / (1 - p)));
            ys.Add(v.ValueIteratedTo / 1000.0);
        }

        if (xs.Count > 0) plot.Add.ScatterLine(xs.ToArray(), ys.ToArray()).LegendText = result.Label ?? result.Scenario;
        double[] ticks = [0, 1, 2, 3, 4];
        string[] labels = ["0%", "90%", "99%", "99.9%", "99.99%"];
        plot.Axes.Bottom.SetTicks(ticks, labels);
        plot.Title($"{result.Scenario} latency ({result.Label ?? "server"})");
        plot.XLabel("percentile");
        plot.YLabel("latency (ms)");
        plot.ShowLegend();
    }

    private static void DrawTimeline(Plot plot, RunResult result)
    {
        double[] t = result.Timeline.Select(p => p.Seconds).ToArray();
        if (t.Length == 0) return;
        var rate = plot.Add.ScatterLine(t, result.Timeline.Select(p => p.DeliveriesPerSecond).ToArray());
        rate.LegendText = result.Scenario == "history" ? "replies/s" : "deliveries/s";
        var p99 = plot.Add.ScatterLine(t, result.Timeline.Select(p => p.P99Ms).ToArray());
        p99.LegendText = "p99 (ms)";
        p99.Axes.YAxis = plot.Axes.Right;
        plot.Title("per second");
        plot.XLabel("seconds");
        plot.YLabel("per second");
        plot.Axes.Right.Label.Text = "p99 ms";
        plot.ShowLegend();
    }
}
