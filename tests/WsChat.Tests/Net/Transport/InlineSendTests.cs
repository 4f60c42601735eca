using System.Buffers.Binary;
using WsChat.Net.Buffers;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;
using WsChat.Tests.Support;

namespace WsChat.Tests.Net.Transport;

/// <summary>
/// A frame queued to a connection with nothing queued and no sender running is sent on the calling thread
/// (WebSocketConnection.Send.cs <c>SendInline</c>); when the kernel takes only part of it, the rest goes out
/// asynchronously and the frames queued meanwhile follow it, in order. Real loopback sockets.
/// </summary>
[CancelAfter(60_000)]
public class InlineSendTests
{
    [Test]
    public async Task TrySend_IdleConnection_HandedToKernelBeforeReturning(CancellationToken ct)
    {
        var open = new OpenHandler();
        await using TestServer server = TestServer.Start(configure: s => s.MapWebSocket("/open", open));
        using RawClient client = await RawClient.UpgradeAsync(server.EndPoint, "/open", ct);
        WebSocketConnection connection = await open.Opened.Task.WaitAsync(ct);

        for (int i = 0; i < 20; i++)
        {
            SharedFrame frame = Numbered(i, 64);
            Assert.That(connection.TrySend(frame.AddRef()), Is.True);
            // Sent inline: the connection's reference is already released and nothing is left queued.
            Assert.That(frame.RefCount, Is.EqualTo(1), "the connection released its reference before TrySend returned");
            Assert.That(connection.OutboundBytes, Is.Zero);
            frame.Release();
            RawFrame? received = await client.ReceiveFrameAsync(ct);
            Assert.That(received, Is.Not.Null);
            AssertNumbered(received!.Value, i, 64);
        }
    }

    [Test]
    public async Task TrySend_IdleConnection_AllocatesNothingOnTheCallingThread(CancellationToken ct)
    {
        var open = new OpenHandler();
        await using TestServer server = TestServer.Start(configure: s => s.MapWebSocket("/open", open));
        using RawClient client = await RawClient.UpgradeAsync(server.EndPoint, "/open", ct);
        WebSocketConnection connection = await open.Opened.Task.WaitAsync(ct);
        SharedFrame frame = Numbered(7, 100);

        for (int i = 0; i < 50; i++) connection.TrySend(frame.AddRef());   // warm up (JIT, counters)
        await DrainAsync(client, 50, ct);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++) connection.TrySend(frame.AddRef());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        await DrainAsync(client, 50, ct);

        Assert.That(allocated, Is.Zero);
        Assert.That(frame.RefCount, Is.EqualTo(1));
        frame.Release();
    }

    [Test]
    public async Task TrySend_KernelBufferFills_PartialInlineRestAndQueuedFramesArriveInOrderBeforeClose(CancellationToken ct)
    {
        var open = new OpenHandler();
        await using TestServer server = TestServer.Start(new WebSocketServerOptions { MaxOutboundBytes = 256L * 1024 * 1024 }, s => s.MapWebSocket("/open", open));
        using RawClient client = await RawClient.UpgradeAsync(server.EndPoint, "/open", ct);
        WebSocketConnection connection = await open.Opened.Task.WaitAsync(ct);

        // The client does not read yet: inline sends complete until the socket buffers are full; the first frame
        // the kernel takes only part of (or none of) keeps the sender for its rest, and every later frame queues
        // behind it. Sizes mix small frames (coalesced by the queued sender) and large ones (sent from their bytes).
        var random = new Random(5);
        var sizes = new List<int>();
        int afterFull = -1;
        while (afterFull < 200)
        {
            int size = random.Next(4) == 0 ? random.Next(4_097, 40_000) : random.Next(4, 300);
            SharedFrame frame = Numbered(sizes.Count, size);
            Assert.That(connection.TrySend(frame), Is.True, "under the 256 MiB bound");
            sizes.Add(size);
            if (afterFull >= 0) afterFull++;
            else if (connection.OutboundBytes > 0) afterFull = 0;   // the kernel refused some bytes: a sender waits
            Assert.That(sizes.Count, Is.LessThan(100_000), "the kernel's buffers should have filled long before");
        }

        // The close frame goes behind everything queued; the client then reads it all.
        connection.Close(WebSocketCloseCode.NormalClosure, "done");
        (RawFrame close, List<RawFrame> before) = await client.ReceiveUntilCloseAsync(ct);

        Assert.That(before, Has.Count.EqualTo(sizes.Count), "every frame arrived before the close frame");
        for (int i = 0; i < before.Count; i++) AssertNumbered(before[i], i, sizes[i]);
        Assert.That(close.CloseCode, Is.EqualTo(1000));
        await client.Socket.SendAsync(RawClient.CloseFrame(1000), ct);
        Assert.That(await client.ReceiveEofAsync(ct), Is.True, "FIN after the close frame, not a reset");
    }

    private static async Task DrainAsync(RawClient client, int frames, CancellationToken ct)
    {
        for (int i = 0; i < frames; i++) Assert.That(await client.ReceiveFrameAsync(ct), Is.Not.Null);
    }

    /// <summary>A binary frame of <paramref name="size"/> bytes: its index, then bytes derived from index and position.</summary>
    private static SharedFrame Numbered(int index, int size)
    {
        SharedFrame frame = SharedFrame.Rent(size);
        Span<byte> span = frame.GetSpan(size)[..size];
        BinaryPrimitives.WriteInt32BigEndian(span, index);
        for (int i = 4; i < size; i++) span[i] = (byte)(index * 31 + i);
        frame.Advance(size);
        frame.Seal(WebSocketOpcode.Binary);
        return frame;
    }

    private static void AssertNumbered(RawFrame frame, int index, int size)
    {
        Assert.That(frame.Payload.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(frame.Payload) : -1, Is.EqualTo(index), "frame order");
        Assert.That(frame.Payload.Length, Is.EqualTo(size), $"frame {index} length");
        for (int i = 4; i < size; i++)
        {
            if (frame.Payload[i] != (byte)(index * 31 + i)) Assert.Fail($"frame {index}: byte {i} differs");
        }
    }

    private sealed class OpenHandler : IWebSocketHandler
    {
        public TaskCompletionSource<WebSocketConnection> Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public UpgradeDecision OnUpgrade(HttpRequest request) => UpgradeDecision.Accept();

        public void OnOpen(WebSocketConnection connection) => Opened.TrySetResult(connection);

        public void OnMessage(WebSocketConnection connection, WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
        {
        }

        public void OnClose(WebSocketConnection connection, WebSocketCloseCode code)
        {
        }
    }
}
