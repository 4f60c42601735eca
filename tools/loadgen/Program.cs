using System.Text.Json;
using WsChat.LoadGen.Connections;
using WsChat.LoadGen.Metrics;
using WsChat.LoadGen.Options;
using WsChat.LoadGen.Reporting;
using WsChat.LoadGen.Scenarios;
using WsChat.LoadGen.Workers;

namespace WsChat.LoadGen;

/// <summary>
/// tools/loadgen: thousands of real chat connections against wschat (or any server speaking
/// PROTOCOL.md), with latency, throughput, loss and server-resource figures. See <see cref="OptionsParser.Usage"/>.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args.Contains("--help") || args.Contains("-h"))
        {
            Console.Out.WriteLine(OptionsParser.Usage);
            return args.Length == 0 ? 2 : 0;
        }

        if (args[0] == "report") return MarkdownReport.Run(args[1..], Console.Out);

        if (!OptionsParser.TryParse(args, out LoadOptions options, out string? error))
        {
            await Console.Error.WriteLineAsync($"loadgen: {error}\n\n{OptionsParser.Usage}").ConfigureAwait(false);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            if (options.IsWorker)
            {
                await using var node = new LoadNode(options, SocketFactory(options));
                return await WorkerProtocol.ServeAsync(node, Console.In, Console.Out, cancel.Token).ConfigureAwait(false);
            }

            RunResult result = await RunAsync(options, args, Console.Out, cancel.Token).ConfigureAwait(false);
            Console.Out.WriteLine();
            Console.Out.Write(ResultTable.Format(result));
            return 0;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("loadgen: cancelled").ConfigureAwait(false);
            return 130;
        }
    }

    /// <summary>Runs one scenario and writes the --json and --plot files; used by Main and the tests.</summary>
    internal static async Task<RunResult> RunAsync(LoadOptions options, string[] args, TextWriter progress, CancellationToken cancellationToken)
    {
        var nodes = new List<INodeClient>();
        try
        {
            if (options.Workers == 1)
            {
                nodes.Add(new LocalNodeClient(new LoadNode(options, SocketFactory(options))));
            }
            else
            {
                for (int i = 0; i < options.Workers; i++) nodes.Add(RemoteNodeClient.Start(args, i, options.Workers));
            }

            var coordinator = new Coordinator(options, nodes, progress);
            RunResult result = await coordinator.RunAsync(cancellationToken).ConfigureAwait(false);
            if (options.JsonOut is not null)
            {
                await File.WriteAllTextAsync(options.JsonOut, JsonSerializer.Serialize(result, LoadGenJson.Default.RunResult), cancellationToken).ConfigureAwait(false);
            }

            if (options.PlotOut is not null) LatencyPlot.Save(options.PlotOut, result, coordinator.MeasuredLatency);
            return result;
        }
        finally
        {
            foreach (INodeClient node in nodes) await node.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static ILoadSocketFactory SocketFactory(LoadOptions options) => options.Client switch
    {
        ClientKind.Bcl => BclLoadSocket.Factory,
        ClientKind.Epoll => new Connections.Epoll.EpollLoadSocketFactory(options.ReceiveThreads),
        _ => WsChatLoadSocket.Factory,
    };
}
