namespace WsChat.Net.Transport;

/// <summary>
/// Who a <see cref="ConnectionSocket"/> wakes when it becomes readable after <see cref="ConnectionSocket.WaitReadable"/>
/// parked: an open connection's receive path, which holds no state machine while it waits (issue 5, docs/architecture.md
/// "How a connection waits").
/// </summary>
internal interface IReadableCallback
{
    /// <summary>Runs once per parked wait, on the thread pool: bytes, the peer's FIN or an error can be read now, or the
    /// socket was disposed (the next receive says which).</summary>
    void OnReadable();
}
