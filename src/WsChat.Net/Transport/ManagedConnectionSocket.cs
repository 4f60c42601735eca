using System.Net;
using System.Net.Sockets;

namespace WsChat.Net.Transport;

/// <summary>
/// A connection socket on System.Net.Sockets: portable, and ~1.2 KB RSS per idle connection (Socket, its handle,
/// SocketAsyncContext, the cached SocketAsyncEventArgs of the pending receive; docs/benchmarks.md).
/// </summary>
internal sealed class ManagedConnectionSocket(Socket socket) : ConnectionSocket
{
    public override ValueTask<int> WaitReadableAsync() => socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer) => socket.ReceiveAsync(buffer, SocketFlags.None);

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
}
