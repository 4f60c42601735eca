using System.Text.Json;
using WsChat.LoadGen;
using WsChat.LoadGen.Options;
using WsChat.Tests.Support;

namespace WsChat.Tests.Tools;

/// <summary>
/// tools/loadgen's fanout against the real wschat process, small and short: correctness of the loadgen and
/// the server together (nothing lost, nothing twice, a JSON result that parses). No timing is asserted.
/// </summary>
[Category("EndToEnd")]
public sealed class LoadGenFanoutTests
{
    // Both WsChat.Net-based clients: the epoll loop (the default on Linux) and WebSocketClient.
    [TestCase("epoll")]
    [TestCase("wschat")]
    [CancelAfter(180_000)]
    public async Task Fanout_TwentyConnectionsInFourRooms_LosesAndDuplicatesNothing(string client, CancellationToken cancellationToken)
    {
        if (client == "epoll" && !WsChat.LoadGen.Connections.Epoll.ReceiveLoop.IsSupported) Assert.Ignore("the epoll client runs on Linux x64/arm64 only");
        await using WsChatProcess server = await WsChatProcess.StartAsync(cancellationToken, $"--WsChat:JwtSecret={TestTokens.Secret}");
        string json = Path.Combine(Path.GetTempPath(), $"loadgen-fanout-{Guid.NewGuid():N}.json");
        try
        {
            // 4 senders at 40 messages/s in total: 10/s each, under the default per-user limit (20/s).
            string[] args =
            [
                "fanout", $"ws://127.0.0.1:{server.Port}/ws", "--secret", TestTokens.Secret,
                "--connections", "20", "--rooms", "4", "--rate", "40", "--duration", "2", "--warmup", "0.5",
                "--json", json, "--quiet", "--client", client,
            ];
            Assert.That(OptionsParser.TryParse(args, out LoadOptions options, out string? error), Is.True, error);

            await Program.RunAsync(options, args, TextWriter.Null, cancellationToken);

            using JsonDocument result = JsonDocument.Parse(await File.ReadAllTextAsync(json, cancellationToken));
            JsonElement root = result.RootElement;
            JsonElement delivery = root.GetProperty("delivery");
            Assert.Multiple(() =>
            {
                Assert.That(root.GetProperty("scenario").GetString(), Is.EqualTo("fanout"));
                Assert.That(root.GetProperty("connect").GetProperty("opened").GetInt32(), Is.EqualTo(20), server.Output);
                Assert.That(root.GetProperty("errors").GetInt64(), Is.Zero, server.Output);
                Assert.That(root.GetProperty("disconnects").GetInt64(), Is.Zero, server.Output);
                // Every room got messages, and every member of a room all of them (5 members per room).
                Assert.That(delivery.GetProperty("expected").GetInt64(), Is.GreaterThan(0));
                Assert.That(delivery.GetProperty("received").GetInt64(), Is.EqualTo(delivery.GetProperty("expected").GetInt64()));
                Assert.That(delivery.GetProperty("lost").GetInt64(), Is.Zero);
                Assert.That(delivery.GetProperty("duplicated").GetInt64(), Is.Zero);
                Assert.That(root.GetProperty("latency").GetProperty("count").GetInt64(), Is.GreaterThan(0));
                // The loadgen's own CPU per delivery (this test process runs the node, so it is never zero).
                Assert.That(root.GetProperty("steps")[0].GetProperty("loadgen_cpu_micros_per_delivery").GetDouble(), Is.GreaterThan(0));
            });
        }
        finally
        {
            File.Delete(json);
        }
    }
}
