using WsChat.Net.Transport;

namespace WsChat.Net.Diagnostics;

/// <summary>Gauges of the transport read off the connection table at scrape time, so the send path counts nothing for them.</summary>
internal static class TransportGauges
{
    /// <summary>Bytes queued and not yet sent, summed over every live connection. O(connections ever open at once);
    /// lock-free reads of each connection's own count, so the sum is a snapshot that may be a moment stale.</summary>
    public static long SumOutboundBytes(ConnectionTable table)
    {
        long sum = 0;
        int highWater = table.HighWater;
        for (int i = 0; i < highWater; i++)
        {
            WebSocketConnection? connection = Volatile.Read(ref table[i].Connection);
            if (connection is not null) sum += connection.OutboundBytes;
        }

        return sum;
    }
}
