using System.Net;
using System.Net.Sockets;

namespace WsChat.LoadGen.Connections;

/// <summary>TCP connect for the loadgen, optionally from a given 127.x source address.</summary>
internal static class SocketConnector
{
    // Linux IP_BIND_ADDRESS_NO_PORT (include/uapi/linux/in.h): bind picks the address now and the port
    // at connect time, so ports are shared across destinations instead of reserved per bind.
    private const int IpBindAddressNoPort = 24;

    public static async Task<Socket> ConnectAsync(Uri url, IPAddress? source, CancellationToken cancellationToken)
    {
        IPAddress host = IPAddress.TryParse(url.Host, out IPAddress? parsed) ? parsed : IPAddress.Loopback;
        var remote = new IPEndPoint(host, url.Port);
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (source is not null)
            {
                if (OperatingSystem.IsLinux()) socket.SetRawSocketOption((int)SocketOptionLevel.IP, IpBindAddressNoPort, BitConverter.GetBytes(1));
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
