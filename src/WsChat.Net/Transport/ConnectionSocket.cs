using System.Net;
using System.Net.Sockets;

namespace WsChat.Net.Transport;

/// <summary>
/// The stream socket of one server connection: the handful of operations <see cref="WebSocketConnection"/> needs,
/// so that the socket engine (System.Net.Sockets, or the server's own epoll loop on Linux) is a choice of the server.
/// </summary>
/// <remarks>
/// Contract shared by every engine, which the connection's loops rely on:
/// <list type="bullet">
/// <item>Failures surface as <see cref="SocketException"/> (reset, broken pipe) and, after <see cref="Dispose"/>, as
/// <see cref="ObjectDisposedException"/> or <see cref="OperationCanceledException"/>; a receive of 0 bytes is the
/// peer's FIN.</item>
/// <item>At most one receive (or readable wait, task or callback) and one send are pending at a time: the read loop and the sender.</item>
/// <item><see cref="TrySend"/>, <see cref="Peek"/>, <see cref="ShutdownSend"/> and <see cref="Dispose"/> never block
/// and may be called from any thread (the timer, a handler's Close).</item>
/// </list>
/// </remarks>
internal abstract class ConnectionSocket : IDisposable
{
    /// <summary>Completes when bytes (or the FIN, or an error) can be read, without holding a buffer: the idle
    /// connection's wait (DESIGN.md "Memory"). The result means nothing (a zero-byte receive's 0): a
    /// <see cref="ValueTask{TResult}"/> so that the managed engine hands out the socket's own awaitable, with no
    /// wrapper state machine parked per idle connection.</summary>
    public abstract ValueTask<int> WaitReadableAsync();

    /// <summary>Receives into <paramref name="buffer"/>, waiting when nothing is there; 0 = the peer closed its side.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer);

    /// <summary>
    /// The open connection's wait, without a task: true when the socket may be read now (readiness reported since the
    /// last wait, the peer's FIN, an error, or disposed: the next <see cref="TryReceive"/> says which), and nothing is
    /// armed; false when parked: <paramref name="callback"/>'s <see cref="IReadableCallback.OnReadable"/> then runs once
    /// on the thread pool when one of those happens (also when <see cref="Dispose"/> is called).
    /// </summary>
    /// <remarks>An idle connection waits here holding no state machine, awaiter box or buffer (issue 5: 160 bytes per
    /// idle connection for the parked async loop it replaces).</remarks>
    public abstract bool WaitReadable(IReadableCallback callback);

    /// <summary>Non-blocking receive into <paramref name="buffer"/>: the bytes read, 0 when the peer closed its side,
    /// -1 when nothing can be read now.</summary>
    /// <exception cref="SocketException">Reset, or another failure.</exception>
    /// <exception cref="ObjectDisposedException">Disposed.</exception>
    public abstract int TryReceive(Span<byte> buffer);

    /// <summary>Copies what the kernel holds into <paramref name="buffer"/> without consuming it and without waiting;
    /// -1 when nothing can be read (would block, error, disposed).</summary>
    public abstract int Peek(Span<byte> buffer);

    /// <summary>Non-blocking send of as much of <paramref name="bytes"/> as the kernel takes now.</summary>
    /// <returns>Bytes taken (0 when the send buffer is full); <paramref name="error"/> is
    /// <see cref="SocketError.Success"/>, <see cref="SocketError.WouldBlock"/> or the failure.</returns>
    /// <exception cref="ObjectDisposedException">Disposed.</exception>
    public abstract int TrySend(ReadOnlySpan<byte> bytes, out SocketError error);

    /// <summary>Sends some of <paramref name="bytes"/>, waiting until the kernel takes at least one byte.</summary>
    public abstract ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes);

    /// <summary>shutdown(SHUT_WR): FIN after what the kernel holds.</summary>
    /// <exception cref="SocketException">Not connected any more.</exception>
    /// <exception cref="ObjectDisposedException">Disposed.</exception>
    public abstract void ShutdownSend();

    /// <summary>The peer's address; null when it cannot be told.</summary>
    public abstract IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Closes the socket; pending operations fail. Idempotent, any thread.</summary>
    public abstract void Dispose();
}
