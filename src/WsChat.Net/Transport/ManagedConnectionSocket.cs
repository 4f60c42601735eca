using System.Net;
using System.Net.Sockets;

namespace WsChat.Net.Transport;

/// <summary>
/// A connection socket on System.Net.Sockets: portable, and ~1.2 KB RSS per idle connection (Socket, its handle,
/// SocketAsyncContext, the cached SocketAsyncEventArgs of the pending receive; docs/benchmarks.md).
/// </summary>
internal sealed class ManagedConnectionSocket(Socket socket) : ConnectionSocket
{
    // WaitReadable's parked zero-byte receive and whom to tell; the continuation is made once per connection and
    // reused, so a wait allocates nothing (the socket's own awaitable event args carry it).
    private ValueTask<int> _wait;
    private IReadableCallback? _callback;
    private Action? _onWaitCompleted;

    public override ValueTask<int> WaitReadableAsync() => socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer) => socket.ReceiveAsync(buffer, SocketFlags.None);

    public override bool WaitReadable(IReadableCallback callback)
    {
        ValueTask<int> wait;
        try
        {
            wait = socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
        }
        catch (ObjectDisposedException)
        {
            return true;   // the receive that follows reports it
        }

        if (wait.IsCompleted)
        {
            Complete(wait);
            return true;
        }

        _callback = callback;
        _wait = wait;
        // The socket's awaitable runs this on the thread pool (never inline here, even if it completed meanwhile).
        wait.GetAwaiter().UnsafeOnCompleted(_onWaitCompleted ??= OnWaitCompleted);
        return false;
    }

    public override int TryReceive(Span<byte> buffer)
    {
        int received = socket.Receive(buffer, SocketFlags.None, out SocketError error);
        if (error == SocketError.Success) return received;
        if (error == SocketError.WouldBlock) return -1;
        throw new SocketException((int)error);
    }

    public override int Peek(Span<byte> buffer)
    {
        try
        {
            int count = socket.Receive(buffer, SocketFlags.Peek, out SocketError error);
            return error == SocketError.Success ? count : -1;
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
    }

    public override int TrySend(ReadOnlySpan<byte> bytes, out SocketError error) => socket.Send(bytes, SocketFlags.None, out error);

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes) => socket.SendAsync(bytes, SocketFlags.None);

    public override void ShutdownSend() => socket.Shutdown(SocketShutdown.Send);

    public override IPEndPoint? RemoteEndPoint => socket.RemoteEndPoint as IPEndPoint;

    public override void Dispose() => socket.Dispose();

    private void OnWaitCompleted()
    {
        ValueTask<int> wait = _wait;
        IReadableCallback callback = _callback!;
        _wait = default;
        _callback = null;
        Complete(wait);
        callback.OnReadable();
    }

    /// <summary>Consumes the zero-byte receive's result (which frees the socket's event args for the next operation);
    /// a failure is left to the receive that follows, which meets it again (reset, disposed).</summary>
    private static void Complete(ValueTask<int> wait)
    {
        try
        {
            wait.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}
