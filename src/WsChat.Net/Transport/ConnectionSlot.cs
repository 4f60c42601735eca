using System.Runtime.InteropServices;

namespace WsChat.Net.Transport;

/// <summary>
/// The timer-facing state of one connection, kept in <see cref="ConnectionTable"/> so that the timer scans
/// contiguous memory instead of chasing one object per connection.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct ConnectionSlot   // 40 bytes on x64: a reference, three longs, an int (+4 padding); ConnectionTableTests asserts it
{
    /// <summary>The connection in this slot; null while the slot is free.</summary>
    public WebSocketConnection? Connection;

    /// <summary><see cref="Environment.TickCount64"/> when the pending timeout fires (head timeout, close
    /// timeout); 0 = none. The connection's phase says what the timeout means.</summary>
    public long Deadline;

    /// <summary><see cref="Environment.TickCount64"/> of the last bytes received: heartbeat silence is measured from it.</summary>
    public long LastReceive;

    /// <summary>Bumped each time the slot is freed, so an id of a closed connection never names its successor.
    /// Low 32 bits: generation; the connection id is (generation &lt;&lt; 32) | slot.</summary>
    public int Generation;

    /// <summary><see cref="Environment.TickCount64"/> of the last heartbeat ping; a new one goes out only when the
    /// peer was silent since.</summary>
    public long PingedAt;
}
