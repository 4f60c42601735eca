using System.Net;

namespace WsChat.LoadGen.Connections.Epoll;

/// <summary>Opens <see cref="EpollLoadSocket"/>s, spread round-robin over <c>--receive-threads</c> loops made on first use.</summary>
internal sealed class EpollLoadSocketFactory(int loops) : ILoadSocketFactory
{
    private readonly Lazy<ReceiveLoop[]> _loops = new(() =>
        [.. Enumerable.Range(0, Math.Max(1, loops)).Select(i => new ReceiveLoop($"loadgen recv {i}"))]);
    private int _next;

    public Task<ILoadSocket> ConnectAsync(Uri url, IPAddress? source, CancellationToken cancellationToken)
    {
        ReceiveLoop[] all = _loops.Value;
        ReceiveLoop loop = all[(int)((uint)Interlocked.Increment(ref _next) % (uint)all.Length)];
        IPAddress host = IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out IPAddress? parsed) ? parsed : IPAddress.Loopback;
        return EpollLoadSocket.ConnectAsync(loop, url, new IPEndPoint(host, url.Port), source, cancellationToken);
    }
}
