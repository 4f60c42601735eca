using WsChat.Net.Buffers;
using WsChat.Net.WebSockets;

namespace WsChat.Net.Transport;

/// <summary>
/// The part of a connection's receive path that matters only while bytes are in flight: the RFC 6455 reader and the
/// receive buffer. A connection rents one when it reads and gives it back when it parks with nothing half-read, so
/// an idle connection holds a null reference instead of these 72 bytes (issue 5's idle budget).
/// </summary>
internal sealed class ReceiveState   // 88 bytes on x64: header 16 + reader 56 + input 16
{
    // Enough for every connection busy at the same moment on a 2-core box many times over (4,096 × 88 B = 352 KiB at
    // most); past it a returned state goes to the GC, and a burst's leftovers are trimmed by the server's timer.
    private const int MaxPooled = 4096;

    private static readonly TrimmedPool<ReceiveState> s_free = new(MaxPooled);

    /// <summary>The connection's WebSocket reader (default until the upgrade creates it).</summary>
    public WebSocketReader Reader;

    /// <summary>Received bytes not consumed yet; holds an array only while there are some.</summary>
    public InputBuffer Input;

    public static int PooledCount => s_free.Count;

    /// <summary>True when nothing is half-read: no buffered bytes, no open message or frame, no buffer lent out. Only
    /// such a state may be given back while the connection waits.</summary>
    public bool IsIdle => Input.IsEmpty && !Reader.InMessage && !Reader.HoldsBuffer;

    public static ReceiveState Rent() => s_free.TryRent(out ReceiveState? state) ? state : new ReceiveState();

    /// <summary>Releases every buffer, forgets the reader and pools the state.</summary>
    public static void Return(ReceiveState state)
    {
        if (state.Reader.HoldsBuffer) state.Reader.Reset();   // a connection that ended mid-message
        state.Reader = default;
        state.Input.Release();
        s_free.TryReturn(state);
    }

    public static void Trim() => s_free.Trim();
}
