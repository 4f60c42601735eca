using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using WsChat.LoadGen.Reporting;

namespace WsChat.LoadGen.Workers;

/// <summary>
/// The coordinator↔worker protocol: one command per line on the worker's stdin (<c>setup</c>,
/// <c>rate X 0|1</c>, <c>interval</c>, <c>finish</c>), one JSON line in reply on its stdout (none for rate).
/// </summary>
internal static class WorkerProtocol
{
    /// <summary>The worker side: serves commands until stdin closes or <c>finish</c> is answered.</summary>
    public static async Task<int> ServeAsync(LoadNode node, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            switch (parts[0])
            {
                case "setup":
                    await ReplyAsync(output, await node.SetupAsync(cancellationToken).ConfigureAwait(false), LoadGenJson.Default.SetupReport).ConfigureAwait(false);
                    break;
                case "rate":
                    node.SetRate(double.Parse(parts[1], CultureInfo.InvariantCulture), parts[2] == "1");
                    break;
                case "interval":
                    await ReplyAsync(output, node.TakeInterval(), LoadGenJson.Default.IntervalReport).ConfigureAwait(false);
                    break;
                case "finish":
                    await ReplyAsync(output, await node.FinishAsync(cancellationToken).ConfigureAwait(false), LoadGenJson.Default.FinishReport).ConfigureAwait(false);
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"worker: unknown command '{line}'").ConfigureAwait(false);
                    return 2;
            }
        }

        return 0;
    }

    private static async Task ReplyAsync<T>(TextWriter output, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        await output.WriteLineAsync(JsonSerializer.Serialize(value, type)).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }
}
