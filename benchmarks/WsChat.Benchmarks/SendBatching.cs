using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace WsChat.Benchmarks;

/// <summary>
/// Gathered send (one sendmsg with an iovec per frame: Socket.SendAsync(IList&lt;ArraySegment&lt;byte&gt;&gt;)) against a
/// coalescing copy into one pooled buffer and a plain send, for batches of small chat frames over loopback. The
/// transport's sender (WebSocketConnection.Send.cs) copies; this is the measurement behind that choice.
/// Run: dotnet run -c Release --project benchmarks/WsChat.Benchmarks -- send-batching
/// </summary>
internal static class SendBatching
{
    public static async Task<int> RunAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await sender.ConnectAsync(listener.LocalEndPoint!);
        using Socket receiver = await listener.AcceptAsync();
        _ = Task.Run(async () =>
        {
            byte[] sink = new byte[1 << 20];
            while (await receiver.ReceiveAsync(sink, SocketFlags.None) > 0)
            {
            }
        });

        foreach (int frames in new[] { 1, 8, 32 })
        {
            foreach (int size in new[] { 100, 300 })
            {
                byte[][] payloads = Enumerable.Range(0, frames).Select(_ => new byte[size]).ToArray();
                var segments = payloads.Select(p => new ArraySegment<byte>(p)).ToList();
                byte[] buffer = new byte[16 * 1024];
                const int iterations = 20_000;
                for (int round = 0; round < 2; round++)   // the first round warms up
                {
                    long allocated = GC.GetTotalAllocatedBytes(precise: true);
                    var watch = Stopwatch.StartNew();
                    for (int i = 0; i < iterations; i++) await sender.SendAsync(segments, SocketFlags.None);
                    double gathered = watch.Elapsed.TotalMicroseconds / iterations;
                    long gatheredAllocated = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / iterations;

                    allocated = GC.GetTotalAllocatedBytes(precise: true);
                    watch.Restart();
                    for (int i = 0; i < iterations; i++)
                    {
                        int n = 0;
                        foreach (byte[] p in payloads)
                        {
                            p.CopyTo(buffer, n);
                            n += p.Length;
                        }

                        await sender.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                    }

                    double copied = watch.Elapsed.TotalMicroseconds / iterations;
                    long copiedAllocated = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / iterations;
                    if (round == 1)
                    {
                        Console.WriteLine($"{frames,3} frames x {size} B: gathered {gathered,6:F2} us/send {gatheredAllocated,4} B/send | copy+send {copied,6:F2} us/send {copiedAllocated,4} B/send");
                    }
                }
            }
        }

        return 0;
    }
}
