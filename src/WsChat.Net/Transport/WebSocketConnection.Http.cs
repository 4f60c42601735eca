using System.Buffers;
using System.Text;
using WsChat.Net.Http;
using WsChat.Net.WebSockets;

namespace WsChat.Net.Transport;

public sealed partial class WebSocketConnection
{
    // Below this many buffered bytes the head is re-parsed on every receive, so garbage is refused at once; past
    // it only when a line ends or a limit is crossed, so a client dribbling a 32 KiB head byte by byte costs
    // linear, not quadratic, parsing work.
    private const int EagerParseBytes = 1024;

    /// <summary>
    /// Reads the request head (within <see cref="WebSocketServerOptions.RequestHeadTimeout"/>), routes it and either
    /// upgrades (true) or answers with a plain response and returns false (the caller lingers, then closes).
    /// </summary>
    private async Task<bool> HandshakeAsync()
    {
        SetDeadline(_server.Options.RequestHeadTimeout);
        WebSocketServerOptions options = _server.Options;
        int maxBuffered = options.MaxRequestHeadBytes + 1;   // one byte past the limit makes the parser answer 431
        HttpRequestHead? head = null;
        try
        {
            int headLength;
            while (true)
            {
                int before = Input.Length;
                int received = await ReceiveAsync(maxBuffered).ConfigureAwait(false);
                if (Phase != ConnectionPhase.Handshaking) return false;   // the timer answered 408
                if (received == 0) return false;                          // gone before finishing its head
                if (received > 0 && !WorthParsing(before, received)) continue;

                head ??= _server.RentHead();
                OperationStatus status = RequestHeadParser.TryParse(Input.Readable, head, _server.HeadLimits, out headLength, out int statusCode);
                if (status == OperationStatus.Done) break;
                if (status == OperationStatus.InvalidData)
                {
                    if (!TryMovePhase(ConnectionPhase.Handshaking, ConnectionPhase.Upgrading)) return false;
                    await RespondAsync(HttpResponses.ForStatus(statusCode)).ConfigureAwait(false);
                    return false;
                }

                if (received < 0)
                {
                    // Buffer at the limit and still no verdict: cannot happen with a parser that enforces the same
                    // limit, but never loop on a full buffer.
                    if (!TryMovePhase(ConnectionPhase.Handshaking, ConnectionPhase.Upgrading)) return false;
                    await RespondAsync(HttpResponses.ForStatus(431)).ConfigureAwait(false);
                    return false;
                }
            }

            // The head is complete: from here the timer's head timeout no longer applies (it raced us to this CAS).
            if (!TryMovePhase(ConnectionPhase.Handshaking, ConnectionPhase.Upgrading)) return false;
            SetDeadline(options.CloseTimeout);   // bounds writing the response to a peer that does not read
            Input.Consume(headLength);          // bytes after the head (a client that did not wait for 101) stay
            return await RouteAsync(head).ConfigureAwait(false);
        }
        finally
        {
            if (head is not null) WebSocketServer.ReturnHead(head);
        }
    }

    // Heads as our clients send them fit here (a browser's ~600 B, a JWT in the query ~1 KiB); a complete head larger
    // than this that we have not read gets the 408 as before.
    private const int HeadPeekBytes = 4096;

    /// <summary>
    /// Timer thread, at the head timeout: true when the socket holds the end of a request head that our loop has not
    /// read yet (a peek, the socket is non-blocking). The loop owns the input buffer, so only the kernel's bytes are
    /// looked at: a head's blank line is its last bytes, so seeing it there means the client finished in time.
    /// </summary>
    private bool IsHeadWaitingUnread()
    {
        Span<byte> peeked = stackalloc byte[HeadPeekBytes];
        int count = _socket.Peek(peeked);
        if (count < 0) return false;

        ReadOnlySpan<byte> bytes = peeked[..count];
        // RFC 9112 §2.2: the head ends with an empty line; a bare LF is accepted as a line terminator.
        return bytes.IndexOf("\n\r\n"u8) >= 0 || bytes.IndexOf("\n\n"u8) >= 0;
    }

    private bool WorthParsing(int before, int received)
    {
        int total = before + received;
        if (total <= EagerParseBytes) return true;
        if (before < _server.Options.MaxRequestLineBytes && total >= _server.Options.MaxRequestLineBytes) return true;
        if (total > _server.Options.MaxRequestHeadBytes) return true;
        ReadOnlySequence<byte> fresh = Input.Readable.Slice(before);
        return fresh.PositionOf((byte)'\n') is not null;
    }

    private async Task<bool> RouteAsync(HttpRequestHead head)
    {
        Log.Request(_server.Logger, _id, head);
        Route route = _server.Routes.Find(head.Path);
        if (route.WebSocket is { } endpoint) return await UpgradeAsync(head, endpoint).ConfigureAwait(false);

        if (route.Http is null)
        {
            await RespondAsync(HttpResponses.NotFound).ConfigureAwait(false);
            return false;
        }

        bool isHead = head.Method.SequenceEqual("HEAD"u8);
        if (!head.IsGet && !isHead)
        {
            await RespondAsync(HttpResponses.MethodNotAllowed).ConfigureAwait(false);
            return false;
        }

        HttpResponse response;
        try
        {
            response = route.Http.Handle(new HttpRequest(head, this));
        }
        catch (Exception e)
        {
            Log.HttpHandlerFailed(_server.Logger, _id, e);
            await RespondAsync(HttpResponses.ForStatus(500)).ConfigureAwait(false);
            return false;
        }

        int contentTypeLength = Encoding.ASCII.GetByteCount(response.ContentType);
        int bodyLength = isHead ? 0 : response.Body.Length;
        int headersLength = response.Headers.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(HttpResponses.MaxHeadLengthWithoutContentType + contentTypeLength + headersLength + bodyLength);
        try
        {
            Span<byte> contentType = buffer.AsSpan(buffer.Length - contentTypeLength);
            Encoding.ASCII.GetBytes(response.ContentType, contentType);
            int length = HttpResponses.WriteHead(buffer, response.StatusCode, contentType, response.Body.Length, response.Headers.Span);
            if (!isHead) response.Body.Span.CopyTo(buffer.AsSpan(length));
            await SendAllAsync(buffer.AsMemory(0, length + bodyLength)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        ShutdownSend();
        return false;
    }

    private async Task<bool> UpgradeAsync(HttpRequestHead head, WebSocketEndpoint endpoint)
    {
        // RFC 6455 §4.2.1-§4.2.2: Upgrade, Connection, version 13, a 16-byte key, and the Origin rule (PROTOCOL.md §5).
        // The method is checked there too (405).
        byte[] response = ArrayPool<byte>.Shared.Rent(WebSocketHandshake.SwitchingProtocolsLength);
        try
        {
            HandshakeResult result = WebSocketHandshake.Validate(head, _server.Origins);
            if (result != HandshakeResult.Accepted)
            {
                await RespondAsync(WebSocketHandshake.RejectionResponse(result)).ConfigureAwait(false);
                return false;
            }

            if (_server.State != WebSocketServerState.Running)
            {
                await RespondAsync(HttpResponses.ForStatus(503)).ConfigureAwait(false);
                return false;
            }

            UpgradeDecision decision;
            try
            {
                decision = endpoint.Handler.OnUpgrade(new HttpRequest(head, this));
            }
            catch (Exception e)
            {
                Log.HandlerFailed(_server.Logger, _id, e);
                await RespondAsync(HttpResponses.ForStatus(500)).ConfigureAwait(false);
                return false;
            }

            if (!decision.IsAccepted)
            {
                await RespondStatusAsync(decision.StatusCode).ConfigureAwait(false);
                return false;
            }

            // Counted before the 101 goes out: a drain that starts from here on waits for this connection (and it closes
            // with 1001 once Open) instead of seeing no WebSocket, stopping the server at once and aborting this
            // connection and everything accepted meanwhile (a /readyz probe got a reset). A drain that began since
            // the check above gets the 503 after all. Cleanup uncounts it.
            _server.OnConnectionOpened();
            _countedAsWebSocket = true;
            if (_server.State != WebSocketServerState.Running)
            {
                _countedAsWebSocket = false;
                _server.OnConnectionClosed(this, counted: true);
                await RespondAsync(HttpResponses.ForStatus(503)).ConfigureAwait(false);
                return false;
            }

            int length = WebSocketHandshake.WriteSwitchingProtocols(head, response);
            _endpoint = endpoint;
            _userState = decision.State;
            Reader = new WebSocketReader(isServer: true, endpoint.Options.MaxMessageBytes, endpoint.Options.MaxFramesPerMessage);
            await SendAllAsync(response.AsMemory(0, length)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(response);
        }

        if (!TryMovePhase(ConnectionPhase.Upgrading, ConnectionPhase.Open)) return false;
        ClearDeadline();
        _opened = true;
        _server.Metrics.ConnectionOpened();
        try
        {
            endpoint.Handler.OnOpen(this);
        }
        catch (Exception e)
        {
            Log.HandlerFailed(_server.Logger, _id, e);
            StartClose(WebSocketCloseCode.InternalError, "internal error", fail: true);
            return false;
        }

        // A drain that began while we upgraded missed this connection: close it the same way.
        if (_server.State != WebSocketServerState.Running) StartClose(WebSocketCloseCode.GoingAway, "server shutting down", fail: false);

        // Frames the client sent right behind its head are processed before the next receive.
        return Input.IsEmpty || ProcessFrames();
    }

    /// <summary>Answers with an empty response of <paramref name="status"/> (canned when there is one).</summary>
    private async Task RespondStatusAsync(int status)
    {
        ReadOnlyMemory<byte> canned = HttpResponses.ForStatus(status);
        if (status == 500 || !canned.Span.SequenceEqual(HttpResponses.InternalServerError.Span))
        {
            await RespondAsync(canned).ConfigureAwait(false);
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(HttpResponses.MaxHeadLengthWithoutContentType + 32);
        try
        {
            int length = HttpResponses.WriteHead(buffer, status, "text/plain; charset=utf-8"u8, 0);
            await RespondAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Answers with a canned response and shuts our side down (the caller lingers, then closes).</summary>
    private async Task RespondAsync(ReadOnlyMemory<byte> response)
    {
        _server.Metrics.HandshakeRejected(response.Span);
        await SendAllAsync(response).ConfigureAwait(false);
        ShutdownSend();
    }
}
