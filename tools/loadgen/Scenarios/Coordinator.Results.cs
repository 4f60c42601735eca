using WsChat.LoadGen.Metrics;
using WsChat.LoadGen.Options;
using WsChat.LoadGen.Reporting;
using WsChat.LoadGen.Workers;

namespace WsChat.LoadGen.Scenarios;

internal sealed partial class Coordinator
{
    private StepResult? BestStep(List<StepResult> steps) => steps
        .Where(s => s.Latency.Count > 0 && s.Latency.P99Ms <= options.RampP99Limit.TotalMilliseconds)
        .OrderByDescending(s => s.DeliveriesPerSecond)
        .FirstOrDefault();

    private DeliveryResult? DeliveryFrom(FinishReport[] finishes, CounterSnapshot total)
    {
        long gaps = finishes.Sum(f => f.Gaps);
        switch (options.Scenario)
        {
            case ScenarioKind.Fanout:
            {
                // Every member of room r should have received every message acked in r (all joined before sending).
                long expected = 0, received = 0;
                for (int r = 0; r < options.Rooms; r++)
                {
                    long acked = finishes.Sum(f => f.AckedPerRoom[r]);
                    expected += acked * finishes.Sum(f => f.MembersPerRoom[r]);
                    received += finishes.Sum(f => f.ReceivedPerRoom[r]);
                }

                return new DeliveryResult(expected, received, Math.Max(0, expected - received), total.Duplicated, gaps);
            }

            case ScenarioKind.Dm:
            {
                long expected = finishes.Sum(f => f.DmExpected), received = finishes.Sum(f => f.DmReceived);
                return new DeliveryResult(expected, received, Math.Max(0, expected - received), total.Duplicated, gaps);
            }

            default:
                return null;
        }
    }

    private ServerResult? ServerResultFrom(ServerSample? baseline, ServerSample? connected, ServerSample? end, ServerSample? from, ServerSample? to, int opened)
    {
        if (baseline is null || connected is null) return null;
        double cpuSeconds = from is not null && to is not null ? to.CpuSeconds - from.CpuSeconds : 0;
        double wall = from is not null && to is not null ? Math.Max(1e-3, to.AtSeconds - from.AtSeconds) : 1;
        double cpuPercent = Math.Round(100 * cpuSeconds / wall, 2);
        return new ServerResult(
            baseline.RssKb,
            connected.RssKb,
            end?.RssKb ?? 0,
            baseline.RssAnonKb,
            connected.RssAnonKb,
            opened > 0 ? Math.Round(1024.0 * (connected.RssKb - baseline.RssKb) / opened, 1) : 0,
            opened > 0 ? Math.Round(1024.0 * (connected.RssAnonKb - baseline.RssAnonKb) / opened, 1) : 0,
            cpuPercent,
            opened > 0 ? Math.Round(cpuPercent * 1000 / opened, 3) : 0,
            Math.Round(cpuSeconds, 2),
            connected.Threads);
    }
}
