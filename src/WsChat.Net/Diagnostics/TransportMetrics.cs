using WsChat.Net.WebSockets;

namespace WsChat.Net.Diagnostics;

/// <summary>
/// The transport's counters: WebSocket connections opened and closed (by close code), bytes in and
/// out, handshake rejections (by HTTP status), outbound queue bytes and slow-consumer closes.
/// One instance per <c>WebSocketServer</c>; the Host folds it into <c>/metrics</c>, the
/// <c>WsChat</c> Meter and <c>/stats</c>.
/// </summary>
/// <remarks>
/// Written from every receive and send loop at once, so the cells are <see cref="StripedCounters"/>
/// (per-processor stripes, interlocked, no lock, no allocation). Each counting site is one call.
/// Outbound queue bytes are not counted at all: each connection keeps its own queued byte count for
/// the slow-consumer bound, and the gauge sums those over the connection table at scrape time.
/// </remarks>
internal sealed class TransportMetrics
{
    // Fixed slots first, then one slot per close code, then one per rejection status.
    private const int Opened = 0;
    private const int BytesIn = 1;
    private const int BytesOut = 2;
    private const int SlowConsumers = 3;
    private const int HeadTimeoutsDeferred = 4;
    private const int FixedSlots = 5;
    private const int FirstCloseCode = 1000;
    private const int CloseSlots = 17;              // 1000..1015, then "other" (4000-4999 and the rest)
    private const int FirstStatusSlot = FixedSlots + CloseSlots;

    private static readonly string[] s_closeLabels = BuildCloseLabels();
    private static readonly int[] s_statuses = [400, 401, 403, 404, 405, 408, 413, 414, 426, 429, 431, 500, 503];
    private static readonly string[] s_statusLabels = [.. s_statuses.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)), "other"];

    private readonly StripedCounters _cells = new(FirstStatusSlot + s_statuses.Length + 1);
    private Func<long>? _outboundBytes;

    /// <summary>Labels of <see cref="ClosedByCode"/>: "1000" .. "1015", then "other".</summary>
    public static IReadOnlyList<string> CloseCodeLabels => s_closeLabels;

    /// <summary>Labels of <see cref="RejectedByStatus"/>: the statuses the server answers with, then "other".</summary>
    public static IReadOnlyList<string> RejectionStatusLabels => s_statusLabels;

    /// <summary>A WebSocket upgrade completed (101 sent).</summary>
    public void ConnectionOpened() => _cells.Increment(Opened);

    /// <summary>A WebSocket connection ended with this close code: the code of the close handshake,
    /// whoever began it, or 1006 when the TCP connection ended without one (RFC 6455 §7.1.5).</summary>
    public void ConnectionClosed(ushort closeCode) => _cells.Increment(FixedSlots + CloseSlot(closeCode));

    /// <summary>Same; <see cref="WebSocketCloseCode.None"/> (no close frame either way) counts as 1006.</summary>
    public void ConnectionClosed(WebSocketCloseCode closeCode) =>
        ConnectionClosed((ushort)(closeCode == WebSocketCloseCode.None ? WebSocketCloseCode.AbnormalClosure : closeCode));

    /// <summary>Bytes read from a socket (HTTP heads and WebSocket frames).</summary>
    public void BytesReceived(int count) => _cells.Add(BytesIn, count);

    /// <summary>Bytes written to a socket.</summary>
    public void BytesSent(int count) => _cells.Add(BytesOut, count);

    /// <summary>Registers how to sum the bytes waiting in every outbound queue (called once, by the server).</summary>
    public void ObserveOutboundBytes(Func<long> sum) => _outboundBytes = sum;

    /// <summary>A connection was closed (1008) because its outbound queue passed the bound.</summary>
    public void SlowConsumerClosed() => _cells.Increment(SlowConsumers);

    /// <summary>A request was answered with an HTTP error instead of an upgrade or a handler response.</summary>
    public void HandshakeRejected(int status) => _cells.Increment(FirstStatusSlot + StatusSlot(status));

    /// <summary>Same, with the status read from a canned response (<c>HTTP/1.1 NNN ...</c>); "other" when it is not one.</summary>
    public void HandshakeRejected(ReadOnlySpan<byte> response) => HandshakeRejected(StatusOf(response));

    /// <summary>The head timeout found the client's complete head unread (our delay, not the client's): no 408, the
    /// deadline moved on by another head timeout.</summary>
    public void HeadTimeoutDeferred() => _cells.Increment(HeadTimeoutsDeferred);

    /// <summary>Head timeouts deferred since start (see <see cref="HeadTimeoutDeferred"/>).</summary>
    public long HeadTimeoutsDeferredTotal => _cells.Sum(HeadTimeoutsDeferred);

    /// <summary>WebSocket connections opened since start.</summary>
    public long ConnectionsOpened => _cells.Sum(Opened);

    /// <summary>WebSocket connections closed since start, all codes.</summary>
    public long ConnectionsClosed
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < CloseSlots; i++) sum += _cells.Sum(FixedSlots + i);
            return sum;
        }
    }

    /// <summary>Open WebSocket connections: opened minus closed.</summary>
    public long ConnectionsCurrent => ConnectionsOpened - ConnectionsClosed;

    /// <summary>Bytes received since start.</summary>
    public long BytesReceivedTotal => _cells.Sum(BytesIn);

    /// <summary>Bytes sent since start.</summary>
    public long BytesSentTotal => _cells.Sum(BytesOut);

    /// <summary>Bytes currently waiting in all outbound queues (0 until the server registers its table).</summary>
    public long OutboundQueueBytes => _outboundBytes?.Invoke() ?? 0;

    /// <summary>Slow-consumer closes since start.</summary>
    public long SlowConsumerCloses => _cells.Sum(SlowConsumers);

    /// <summary>Connections closed with the code at <paramref name="labelIndex"/> of <see cref="CloseCodeLabels"/>.</summary>
    public long ClosedByCode(int labelIndex) => _cells.Sum(FixedSlots + CheckIndex(labelIndex, CloseSlots));

    /// <summary>Rejections with the status at <paramref name="labelIndex"/> of <see cref="RejectionStatusLabels"/>.</summary>
    public long RejectedByStatus(int labelIndex) => _cells.Sum(FirstStatusSlot + CheckIndex(labelIndex, s_statusLabels.Length));

    /// <summary>Index into <see cref="CloseCodeLabels"/> for a close code.</summary>
    public static int CloseSlot(ushort code) =>
        code is >= FirstCloseCode and < FirstCloseCode + CloseSlots - 1 ? code - FirstCloseCode : CloseSlots - 1;

    /// <summary>Index into <see cref="RejectionStatusLabels"/> for an HTTP status.</summary>
    public static int StatusSlot(int status)
    {
        int i = Array.IndexOf(s_statuses, status);
        return i >= 0 ? i : s_statuses.Length;
    }

    /// <summary>The status code of an HTTP/1.x response (its bytes 9-11), or 0.</summary>
    public static int StatusOf(ReadOnlySpan<byte> response)
    {
        // "HTTP/1.1 404 Not Found": the status is the three digits after the first space.
        if (response.Length < 12 || !response.StartsWith("HTTP/1."u8) || response[8] != (byte)' ') return 0;
        int status = 0;
        for (int i = 9; i < 12; i++)
        {
            if (!char.IsAsciiDigit((char)response[i])) return 0;
            status = (status * 10) + (response[i] - '0');
        }

        return status;
    }

    private static int CheckIndex(int index, int count) =>
        (uint)index < (uint)count ? index : throw new ArgumentOutOfRangeException(nameof(index));

    private static string[] BuildCloseLabels()
    {
        var labels = new string[CloseSlots];
        for (int i = 0; i < CloseSlots - 1; i++) labels[i] = (FirstCloseCode + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
        labels[CloseSlots - 1] = "other";
        return labels;
    }
}
