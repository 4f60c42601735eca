namespace WsChat.LoadGen.Connections;

/// <summary>Receives whole text messages from a <see cref="ILoadSocket"/>'s receive loop.</summary>
internal interface IMessageSink
{
    /// <summary>One complete text message; the span is valid only during the call.</summary>
    void OnMessage(ReadOnlySpan<byte> utf8);
}

/// <summary>One client WebSocket as the loadgen drives it: send text, a receive loop, close.</summary>
internal interface ILoadSocket : IAsyncDisposable
{
    /// <summary>Sends one text message. Calls must not overlap on one socket.</summary>
    ValueTask SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken);

    /// <summary>Delivers every text message to <paramref name="sink"/> until the connection closes.</summary>
    Task ReceiveLoopAsync(IMessageSink sink, CancellationToken cancellationToken);

    /// <summary>Sends a close frame (1000) and waits for the server's, bounded by the token.</summary>
    Task CloseAsync(CancellationToken cancellationToken);
}

/// <summary>Opens <see cref="ILoadSocket"/>s: TCP connect (from a chosen source address) and the upgrade.</summary>
internal interface ILoadSocketFactory
{
    Task<ILoadSocket> ConnectAsync(Uri url, System.Net.IPAddress? source, CancellationToken cancellationToken);
}

/// <summary>The server answered the upgrade with something other than 101.</summary>
internal sealed class HandshakeRejectedException(int status) : Exception($"upgrade refused with HTTP {status}")
{
    public int Status { get; } = status;
}
