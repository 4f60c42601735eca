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

    /// <summary>Same, on the epoll engine's thread, for a plain readiness report (no FIN, hang-up or error): the
    /// callback handles one receive there and hands anything longer to the thread pool, because every other socket's
    /// events wait meanwhile.</summary>
    void OnReadableInline();
}
