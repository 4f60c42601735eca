namespace WsChat.Net.Transport.Epoll;

/// <summary>
/// A descriptor registered with the <see cref="EpollEngine"/>: a connection's socket or a listener. The epoll event's
/// 64-bit data is <c>(Token &lt;&lt; 32) | Fd</c>; the engine finds the registration in its table by fd and drops the
/// event unless the token matches, so an event of a closed descriptor never reaches the descriptor's next owner.
/// </summary>
internal interface IEpollRegistration
{
    /// <summary>The descriptor (valid until the registration closes it).</summary>
    int Fd { get; }

    /// <summary>Unique among live registrations (<see cref="EpollEngine.NextToken"/>; never 0).</summary>
    uint Token { get; }

    /// <summary>What epoll_wait reported (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLERR, EPOLLHUP). Runs on the epoll
    /// thread: must be short and must not block or throw.</summary>
    void OnEvents(uint events);
}
