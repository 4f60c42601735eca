using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using WsChat.Net.Transport;
using WsChat.Net.WebSockets;

namespace WsChat.Net.Client;

/// <summary>
/// A WebSocket client (RFC 6455) over a raw socket, with the same framer as the server: masked frames with a random
/// key, automatic pongs, the close handshake. Small enough to hold thousands per process (tools/loadgen): an idle
/// client holds its socket, a send lock and ~200 bytes of state; buffers are rented only while bytes are in flight.
/// </summary>
/// <remarks>
/// Thread-safety: sends (<see cref="SendAsync"/>, <see cref="SendPingAsync"/>, <see cref="CloseOutputAsync"/>) may be
/// called concurrently with each other and with one <see cref="ReceiveAsync"/>; they are serialised by a send lock.
/// Only one receive may be pending at a time, and <see cref="CloseAsync"/> receives too (do not call it while a
/// receive loop runs; use <see cref="CloseOutputAsync"/> and let the loop see the close).
/// </remarks>
public sealed class WebSocketClient : IAsyncDisposable
{
    private const int StateOpen = 0, StateCloseSent = 1, StateClosed = 2;

    private readonly Socket _socket;
    private readonly WebSocketClientOptions _options;
    private readonly FrameWriter _writer = new(masked: true);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private WebSocketReader _reader;
    private InputBuffer _input;
    private long _pendingConsume;      // bytes behind the last returned message, consumed at the next call (the payload is borrowed)
    private bool _lastReadFilled;
    private int _state;
    private bool _closeReceived;
    private WebSocketCloseCode _closeCode;
    private byte[] _closeReason = [];  // the server's close reason (UTF-8, validated by the reader), empty until then

    private WebSocketClient(Socket socket, WebSocketClientOptions options)
    {
        _socket = socket;
        _options = options;
        _reader = new WebSocketReader(isServer: false, options.MaxMessageBytes, options.MaxFramesPerMessage);
    }

    /// <summary>Open until a close frame was sent or received; Closed after. Thread-safe snapshot.</summary>
    public WebSocketConnectionState State => Volatile.Read(ref _state) switch
    {
        StateOpen when !_closeReceived => WebSocketConnectionState.Open,
        StateOpen => WebSocketConnectionState.CloseReceived,
        StateCloseSent => WebSocketConnectionState.CloseSent,
        _ => WebSocketConnectionState.Closed,
    };

    /// <summary>The close code received from the server (or 1006 when TCP ended without one); None while open.</summary>
    public WebSocketCloseCode CloseCode => _closeCode;

    /// <summary>The reason in the server's close frame (RFC 6455 §5.5.1), empty when it gave none or has not closed.
    /// Clients tell closes with the same code apart by it (e.g. wschat's 1008 "slow consumer" from "too many connections").</summary>
    public string CloseReason => System.Text.Encoding.UTF8.GetString(Volatile.Read(ref _closeReason));

    /// <summary>The local end of the TCP connection.</summary>
    public IPEndPoint? LocalEndPoint => _socket.LocalEndPoint as IPEndPoint;

    /// <summary>
    /// Connects to <paramref name="uri"/> (<c>ws://host:port/path?query</c>) and performs the opening handshake
    /// (RFC 6455 §4.1): a random 16-byte key, and the server's <c>Sec-WebSocket-Accept</c> verified.
    /// </summary>
    /// <exception cref="NotSupportedException">The scheme is not <c>ws</c> (TLS is a proxy's job here).</exception>
    /// <exception cref="WebSocketHandshakeException">The server refused the upgrade (its status is in the exception).</exception>
    /// <exception cref="SocketException">TCP connect failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async ValueTask<WebSocketClient> ConnectAsync(Uri uri, WebSocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        options ??= new WebSocketClientOptions();
        if (!uri.IsAbsoluteUri || !string.Equals(uri.Scheme, "ws", StringComparison.OrdinalIgnoreCase)) throw new NotSupportedException("Only ws:// URIs are supported.");

        IPAddress address = IPAddress.TryParse(uri.IdnHost, out IPAddress? literal)
            ? literal
            : (await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken).ConfigureAwait(false))[0];
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var client = new WebSocketClient(socket, options);
        try
        {
            if (options.LocalAddress is not null) socket.Bind(new IPEndPoint(options.LocalAddress, 0));
            await socket.ConnectAsync(new IPEndPoint(address, uri.Port), cancellationToken).ConfigureAwait(false);
            await client.HandshakeAsync(uri, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Abort();
            throw;
        }
    }

    /// <summary>Sends one message as a single masked frame.</summary>
    /// <param name="type"><see cref="WebSocketOpcode.Text"/> (the payload must be UTF-8) or <see cref="WebSocketOpcode.Binary"/>.</param>
    /// <param name="payload">The payload; not modified (masking writes into a pooled copy).</param>
    /// <param name="cancellationToken">Cancels waiting for the send lock and the send.</param>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not Text or Binary.</exception>
    /// <exception cref="InvalidOperationException">A close frame was sent already.</exception>
    public ValueTask SendAsync(WebSocketOpcode type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (type is not (WebSocketOpcode.Text or WebSocketOpcode.Binary)) throw new ArgumentException("Messages are Text or Binary.", nameof(type));
        if (Volatile.Read(ref _state) != StateOpen) throw new InvalidOperationException("The connection is closing.");
        return SendFrameAsync(type, payload, fin: true, cancellationToken);
    }

    /// <summary>Sends one fragment of a message (<paramref name="type"/> for the first, <see cref="WebSocketOpcode.Continuation"/> after).
    /// For tests and tools that exercise fragmentation; the caller keeps the fragments of one message together.</summary>
    public ValueTask SendFragmentAsync(WebSocketOpcode type, ReadOnlyMemory<byte> payload, bool fin, CancellationToken cancellationToken = default) =>
        SendFrameAsync(type, payload, fin, cancellationToken);

    /// <summary>Sends a ping (at most 125 bytes of payload).</summary>
    public ValueTask SendPingAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default) =>
        SendFrameAsync(WebSocketOpcode.Ping, payload, fin: true, cancellationToken);

    /// <summary>
    /// Receives the next message. Pings are answered with pongs and pongs skipped on the way. When the server closes,
    /// returns a message with <see cref="WebSocketMessage.IsClose"/> (after answering its close frame and waiting for
    /// TCP to end); every later call returns the same close.
    /// </summary>
    /// <returns>The message; its payload is valid until the next call on this client.</returns>
    public async ValueTask<WebSocketMessage> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (Volatile.Read(ref _state) == StateClosed && _input.IsEmpty) return new WebSocketMessage(WebSocketOpcode.Close, _closeReason, _closeCode);
            ApplyPendingConsume();
            ReadOnlySequence<byte> input = _input.Readable;
            long length = input.Length;
            OperationStatus status = _reader.TryRead(ref input, out WebSocketEvent evt, out WebSocketCloseCode error);
            long consumed = length - input.Length;
            if (status == OperationStatus.Done)
            {
                switch (evt.Type)
                {
                    case WebSocketEventType.Message:
                        _pendingConsume = consumed;
                        return new WebSocketMessage(evt.Opcode, evt.Payload);
                    case WebSocketEventType.Ping:
                        if (Volatile.Read(ref _state) == StateOpen)
                        {
                            await SendFrameAsync(WebSocketOpcode.Pong, evt.Payload, fin: true, cancellationToken).ConfigureAwait(false);
                        }

                        _input.Consume(consumed);
                        continue;
                    case WebSocketEventType.Close:
                        // Copied before the consume: the payload points into the input buffer.
                        if (!evt.Payload.IsEmpty) Volatile.Write(ref _closeReason, evt.Payload.ToArray());
                        _input.Consume(consumed);
                        await OnServerCloseAsync(evt.CloseCode, cancellationToken).ConfigureAwait(false);
                        return new WebSocketMessage(WebSocketOpcode.Close, _closeReason, _closeCode);
                    default:
                        _input.Consume(consumed);
                        continue;
                }
            }

            _input.Consume(consumed);
            if (status == OperationStatus.InvalidData)
            {
                // The server broke RFC 6455: fail the connection with the reader's code (§7.1.7).
                _closeCode = error;
                await TrySendCloseAsync(error, cancellationToken).ConfigureAwait(false);
                Abort();
                return new WebSocketMessage(WebSocketOpcode.Close, default, error);
            }

            int received = await ReceiveMoreAsync(cancellationToken).ConfigureAwait(false);
            if (received == 0)
            {
                if (_closeCode == WebSocketCloseCode.None) _closeCode = WebSocketCloseCode.AbnormalClosure;
                Abort();
                return new WebSocketMessage(WebSocketOpcode.Close, _closeReason, _closeCode);
            }
        }
    }

    /// <summary>Sends a close frame and returns; a pending or later <see cref="ReceiveAsync"/> sees the server's close.
    /// Idempotent.</summary>
    public ValueTask CloseOutputAsync(WebSocketCloseCode code = WebSocketCloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default) =>
        TrySendCloseAsync(code, cancellationToken, reason);

    /// <summary>
    /// The whole close handshake (RFC 6455 §7.1.2): sends a close frame, reads (and drops) messages until the
    /// server's close, then waits for the server to end TCP, all within <see cref="WebSocketClientOptions.CloseTimeout"/>;
    /// then the socket is closed. Do not call while another <see cref="ReceiveAsync"/> is pending.
    /// </summary>
    public async ValueTask CloseAsync(WebSocketCloseCode code = WebSocketCloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CloseTimeout);
        try
        {
            await TrySendCloseAsync(code, timeout.Token, reason).ConfigureAwait(false);
            while (!(await ReceiveAsync(timeout.Token).ConfigureAwait(false)).IsClose)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // No (timely) answer: close anyway.
        }
        finally
        {
            Abort();
        }
    }

    /// <summary>Closes the socket without a close handshake. Idempotent.</summary>
    public ValueTask DisposeAsync()
    {
        Abort();
        return ValueTask.CompletedTask;
    }

    private async Task HandshakeAsync(Uri uri, CancellationToken cancellationToken)
    {
        Span<byte> nonce = stackalloc byte[16];
        RandomNumberGenerator.Fill(nonce);
        string key = Convert.ToBase64String(nonce);
        var request = new StringBuilder(256);
        request.Append("GET ").Append(uri.PathAndQuery).Append(" HTTP/1.1\r\nHost: ").Append(uri.Authority)
            .Append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").Append(key)
            .Append("\r\nSec-WebSocket-Version: 13\r\n");
        foreach (KeyValuePair<string, string> header in _options.Headers) request.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        request.Append("\r\n");
        byte[] bytes = Encoding.UTF8.GetBytes(request.ToString());
        await SendAllAsync(bytes, cancellationToken).ConfigureAwait(false);

        int headLength;
        while ((headLength = FindHeadEnd()) < 0)
        {
            if (_input.Length >= _options.MaxResponseHeadBytes) throw new WebSocketHandshakeException(0, "The response head is too long.");
            if (await ReceiveMoreAsync(cancellationToken).ConfigureAwait(false) == 0) throw new WebSocketHandshakeException(0, "The server closed the connection during the handshake.");
        }

        byte[] head = _input.Readable.Slice(0, headLength).ToArray();
        _input.Consume(headLength);   // frames sent right behind the 101 stay buffered
        UpgradeResponse.Verify(head, key);
    }

    private int FindHeadEnd()
    {
        ReadOnlySequence<byte> data = _input.Readable;
        if (data.IsEmpty) return -1;
        int index = data.FirstSpan.IndexOf("\r\n\r\n"u8);   // InputBuffer is one array: FirstSpan is everything
        return index < 0 ? -1 : index + 4;
    }

    private void ApplyPendingConsume()
    {
        if (_pendingConsume == 0) return;
        _input.Consume(_pendingConsume);
        _pendingConsume = 0;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveMoreAsync(CancellationToken cancellationToken)
    {
        if (_input.IsEmpty && !_lastReadFilled)
        {
            _input.Release();   // idle: hold no buffer while waiting
            await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        Memory<byte> buffer = _input.GetWritable(int.MaxValue);
        int received = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        _lastReadFilled = received == buffer.Length;
        _input.Advance(received);
        return received;
    }

    private async Task OnServerCloseAsync(WebSocketCloseCode code, CancellationToken cancellationToken)
    {
        _closeReceived = true;
        _closeCode = code;
        // RFC 6455 §5.5.1: answer with a close (echoing the code); then the server closes TCP first (§7.1.1).
        await TrySendCloseAsync(code == WebSocketCloseCode.NoStatusReceived ? WebSocketCloseCode.NormalClosure : code, cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CloseTimeout);
        try
        {
            while (true)
            {
                _input.Release();
                if (await ReceiveMoreAsync(timeout.Token).ConfigureAwait(false) == 0) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The server did not close in time: we do.
        }

        Volatile.Write(ref _state, StateClosed);
        Abort();
    }

    private async ValueTask TrySendCloseAsync(WebSocketCloseCode code, CancellationToken cancellationToken, string reason = "")
    {
        if (Interlocked.CompareExchange(ref _state, StateCloseSent, StateOpen) != StateOpen) return;
        byte[] payload = ArrayPool<byte>.Shared.Rent(125);
        try
        {
            int length = CloseCodes.WritePayload(payload, code, reason.AsSpan());
            await SendFrameAsync(WebSocketOpcode.Close, payload.AsMemory(0, length), fin: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Gone already.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendFrameAsync(WebSocketOpcode opcode, ReadOnlyMemory<byte> payload, bool fin, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(FrameWriter.MaxHeaderLength + payload.Length);
        try
        {
            int length = _writer.Write(buffer, opcode, payload.Span, fin);   // masks with a fresh key (RFC 6455 §5.3)
            await SendAllAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _sendLock.Release();
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            int sent = await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    private void Abort()
    {
        Volatile.Write(ref _state, StateClosed);
        try
        {
            _socket.Shutdown(SocketShutdown.Send);   // FIN, not RST, even with a receive pending (see WebSocketConnection.Abort)
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Not connected or closed already.
        }

        _socket.Dispose();
    }
}
