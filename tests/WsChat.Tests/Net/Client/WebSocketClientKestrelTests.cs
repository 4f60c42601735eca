using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using WsChat.Net.Client;
using WsChat.Net.WebSockets;

namespace WsChat.Tests.Net.Client;

/// <summary>Our <see cref="WebSocketClient"/> against Kestrel's WebSocket server (an implementation we did not write).</summary>
[CancelAfter(30_000)]
[NonParallelizable]
public class WebSocketClientKestrelTests
{
    private WebApplication _app = null!;
    private Uri _base = null!;

    [OneTimeSetUp]
    public async Task StartKestrel()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.UseWebSockets();
        _app.Map("/echo", EchoAsync);
        _app.Map("/close", CloseWithQueryCodeAsync);
        _app.Map("/pinging", PingingEchoAsync);
        _app.Map("/auth", (HttpContext context) => context.Request.Headers.Authorization == "Bearer secret" ? EchoAsync(context) : Task.FromResult(context.Response.StatusCode = 401));
        await _app.StartAsync();
        string address = _app.Services.GetService(typeof(IServer)) is IServer server ? server.Features.Get<IServerAddressesFeature>()!.Addresses.First() : throw new InvalidOperationException();
        _base = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal));
    }

    [OneTimeTearDown]
    public async Task StopKestrel() => await _app.DisposeAsync();

    [Test]
    public async Task Client_TextAndBinary_EchoedByKestrel(CancellationToken ct)
    {
        await using WebSocketClient client = await WebSocketClient.ConnectAsync(new Uri(_base, "/echo"), cancellationToken: ct);
        await client.SendAsync(WebSocketOpcode.Text, Encoding.UTF8.GetBytes("hello kestrel ✓"), ct);
        WebSocketMessage text = await client.ReceiveAsync(ct);
        Assert.That((text.Type, Encoding.UTF8.GetString(text.Payload.Span)), Is.EqualTo((WebSocketOpcode.Text, "hello kestrel ✓")));
        byte[] binary = RandomNumberGenerator.GetBytes(200_000);
        await client.SendAsync(WebSocketOpcode.Binary, binary, ct);
        WebSocketMessage echoed = await client.ReceiveAsync(ct);
        Assert.That(echoed.Type, Is.EqualTo(WebSocketOpcode.Binary));
        Assert.That(echoed.Payload.Span.SequenceEqual(binary), Is.True);
        await client.CloseAsync(WebSocketCloseCode.NormalClosure, "done", ct);
        Assert.That(client.State, Is.EqualTo(WsChat.Net.Transport.WebSocketConnectionState.Closed));
        Assert.That(client.CloseCode, Is.EqualTo(WebSocketCloseCode.NormalClosure));
    }

    [Test]
    public async Task Client_FragmentedMessage_ReassembledByKestrel(CancellationToken ct)
    {
        await using WebSocketClient client = await WebSocketClient.ConnectAsync(new Uri(_base, "/echo"), cancellationToken: ct);
        byte[] whole = Encoding.UTF8.GetBytes("a é split");
        await client.SendFragmentAsync(WebSocketOpcode.Text, whole.AsMemory(0, 3), fin: false, ct);   // ends inside é
        await client.SendFragmentAsync(WebSocketOpcode.Continuation, whole.AsMemory(3), fin: true, ct);
        WebSocketMessage echoed = await client.ReceiveAsync(ct);
        Assert.That(echoed.Payload.ToArray(), Is.EqualTo(whole));
    }

    [Test]
    public async Task Client_KestrelCloses_ReceiveReturnsTheCode(CancellationToken ct)
    {
        await using WebSocketClient client = await WebSocketClient.ConnectAsync(new Uri(_base, "/close?code=4001"), cancellationToken: ct);
        WebSocketMessage message = await client.ReceiveAsync(ct);
        Assert.That(message.IsClose, Is.True);
        Assert.That(message.CloseCode, Is.EqualTo((WebSocketCloseCode)4001));
        Assert.That(Encoding.UTF8.GetString(message.Payload.Span), Is.EqualTo("bye"), "the close message carries the reason");
        Assert.That(client.CloseReason, Is.EqualTo("bye"));
        WebSocketMessage again = await client.ReceiveAsync(ct);
        Assert.That((again.IsClose, Encoding.UTF8.GetString(again.Payload.Span)), Is.EqualTo((true, "bye")), "later receives return the close again");
    }

    [Test]
    public async Task Client_KestrelPings_ClientAnswersAndStaysConnected(CancellationToken ct)
    {
        // Kestrel pings every 100 ms and aborts without a pong within 1.5 s (KeepAliveTimeout); the exchange lasts
        // over 3 s, so it only survives if the client answers the pings (here: whenever it receives).
        await using WebSocketClient client = await WebSocketClient.ConnectAsync(new Uri(_base, "/pinging"), cancellationToken: ct);
        for (int i = 0; i < 15; i++)
        {
            await Task.Delay(200, ct);
            await client.SendAsync(WebSocketOpcode.Text, Encoding.UTF8.GetBytes($"m{i}"), ct);
            WebSocketMessage echoed = await client.ReceiveAsync(ct);   // answers the pings that arrived meanwhile
            Assert.That(Encoding.UTF8.GetString(echoed.Payload.Span), Is.EqualTo($"m{i}"));
        }
    }

    [Test]
    public async Task Client_ExtraHeaders_ReachTheServer(CancellationToken ct)
    {
        var options = new WebSocketClientOptions { Headers = [new("Authorization", "Bearer secret")] };
        await using WebSocketClient client = await WebSocketClient.ConnectAsync(new Uri(_base, "/auth"), options, ct);
        await client.SendAsync(WebSocketOpcode.Text, "x"u8.ToArray(), ct);
        Assert.That((await client.ReceiveAsync(ct)).Type, Is.EqualTo(WebSocketOpcode.Text));
    }

    [Test]
    public void Client_RefusedUpgrade_ThrowsWithTheStatus()
    {
        WebSocketHandshakeException? e = Assert.ThrowsAsync<WebSocketHandshakeException>(async () => await WebSocketClient.ConnectAsync(new Uri(_base, "/auth")));
        Assert.That(e!.StatusCode, Is.EqualTo(401));
    }

    [Test]
    public async Task Client_BoundToASecondLoopbackAddress_ConnectsFromIt(CancellationToken ct)
    {
        var options = new WebSocketClientOptions { LocalAddress = IPAddress.Parse("127.0.0.2") };
        await using WebSocketClient client = await WebSocketClient.ConnectAsync(new Uri(_base, "/echo"), options, ct);
        Assert.That(client.LocalEndPoint!.Address, Is.EqualTo(IPAddress.Parse("127.0.0.2")));
    }

    private static async Task EchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using WebSocket ws = await context.WebSockets.AcceptWebSocketAsync();
        await EchoLoopAsync(ws);
    }

    private static async Task PingingEchoAsync(HttpContext context)
    {
        using WebSocket ws = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromMilliseconds(100),
            KeepAliveTimeout = TimeSpan.FromMilliseconds(1500),
        });
        await EchoLoopAsync(ws);
    }

    private static async Task EchoLoopAsync(WebSocket ws)
    {
        var buffer = new byte[1 << 20];
        while (true)
        {
            int count = 0;
            WebSocketReceiveResult result;
            do
            {
                result = await ws.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), CancellationToken.None);
                count += result.Count;
            }
            while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                await ws.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, CancellationToken.None);
                return;
            }

            await ws.SendAsync(new ArraySegment<byte>(buffer, 0, count), result.MessageType, true, CancellationToken.None);
        }
    }

    private static async Task CloseWithQueryCodeAsync(HttpContext context)
    {
        using WebSocket ws = await context.WebSockets.AcceptWebSocketAsync();
        var code = (WebSocketCloseStatus)int.Parse(context.Request.Query["code"]!, System.Globalization.CultureInfo.InvariantCulture);
        await ws.CloseAsync(code, "bye", CancellationToken.None);
    }
}
