using WsChat.Tests.Core.Client;
using WsChat.Tests.Support;

namespace WsChat.Tests.Docs;

/// <summary>docs/client.md's example is the code of <see cref="ClientUsageExample"/>, and it works.</summary>
[CancelAfter(60_000)]
public class ClientDocsTests
{
    private const string Begin = "// begin docs/client.md", End = "// end docs/client.md";

    [Test]
    public void ClientMd_UsageExample_IsTheCompiledExample()
    {
        string[] source = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "tests", "WsChat.Tests", "Docs", "ClientUsageExample.cs"));
        int first = Array.FindIndex(source, l => l.Trim() == Begin) + 1, last = Array.FindIndex(source, l => l.Trim() == End);
        Assert.That(first, Is.GreaterThan(0).And.LessThan(last), "markers in ClientUsageExample.cs");
        string[] lines = source[first..last];
        int indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        string example = string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));

        string doc = File.ReadAllText(Path.Combine(RepositoryPaths.Docs, "client.md")).ReplaceLineEndings("\n");

        Assert.That(doc, Does.Contain(example), "docs/client.md shows the example exactly as ClientUsageExample.cs compiles it");
    }

    [Test]
    public async Task ClientMd_UsageExample_RunsAgainstARealServer(CancellationToken ct)
    {
        await using ClientTestServer server = await ClientTestServer.StartAsync();
        var output = new StringWriter();

        long id = await ClientUsageExample.RunAsync(server.Uri, _ => ValueTask.FromResult(TestTokens.Mint("u-doc", "doc")), output, ct);

        Assert.That(output.ToString(), Does.Contain("connection: Connecting -> Connected")
            .And.Contain("1 member(s) in general")
            .And.Contain($"[general] #{id} doc: Hello!"));
    }
}
