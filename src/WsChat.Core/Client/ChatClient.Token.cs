namespace WsChat.Core.Client;

public sealed partial class ChatClient
{
    // Below this a provider that keeps handing out the same short-lived token would be asked in a tight loop.
    private static readonly TimeSpan MinRefreshWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRefreshWait = TimeSpan.FromDays(7);

    /// <summary>
    /// Asks <see cref="ChatClientOptions.TokenProvider"/> for a token now and sends it as an <c>auth</c> refresh
    /// (PROTOCOL.md §2, same <c>sub</c> required); completes with the new expiry from the server's <c>ack</c>. The
    /// client also does this by itself before each token expires.
    /// </summary>
    /// <exception cref="InvalidOperationException">No token provider is configured.</exception>
    /// <returns>The new expiry; a task faulted with <see cref="ChatServerException"/> (<c>unauthenticated</c>: the
    /// old expiry stands; <c>forbidden</c>: another user's token).</returns>
    public async Task<DateTimeOffset?> RefreshTokenAsync(CancellationToken cancellationToken = default)
    {
        Func<CancellationToken, ValueTask<string>> provider = _options.TokenProvider
            ?? throw new InvalidOperationException("No TokenProvider is configured; use RefreshTokenAsync(token).");
        string token = await provider(cancellationToken).ConfigureAwait(false);
        return await SendAuthAsync(token, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends <paramref name="token"/> as an <c>auth</c> refresh (PROTOCOL.md §2) and, without a token provider, uses it
    /// for every later reconnect; completes with the new expiry from the server's <c>ack</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An empty token.</exception>
    public Task<DateTimeOffset?> RefreshTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        lock (_lock) _token = token;
        return SendAuthAsync(token, cancellationToken);
    }

    private Task<DateTimeOffset?> SendAuthAsync(string token, CancellationToken cancellationToken)
    {
        string r = NextRef(out long sequence);
        return Submit(new PendingRequest<DateTimeOffset?>(r, RequestKind.Auth, ClientMessageWriter.Auth(token, r), null, sequence,
            static m => m.ExpiresAt is { } ms ? ServerMessageParser.ToTime(ms) : null), cancellationToken);
    }

    private async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_options.TokenProvider is { } provider) return await provider(cancellationToken).ConfigureAwait(false);
        lock (_lock) return _token!;
    }

    private void ScheduleRefresh(ClientConnection connection, string token)
    {
        if (_options.TokenProvider is null || !JwtExpiry.TryRead(token, out DateTimeOffset expires)) return;
        _ = RefreshLoopAsync(connection, expires);
    }

    // Before each token of this connection expires, the next one (PROTOCOL.md §5: the server closes with 1008 at
    // exp + its skew, which this client would not retry).
    private async Task RefreshLoopAsync(ClientConnection connection, DateTimeOffset expires)
    {
        try
        {
            while (true)
            {
                TimeSpan left = expires - _time.GetUtcNow();
                TimeSpan wait = left > 2 * _options.TokenRefreshLead ? left - _options.TokenRefreshLead : left / 2;
                if (wait > MaxRefreshWait)
                {
                    // Task.Delay takes at most ~49 days; a longer-lived token is looked at again then.
                    await Task.Delay(MaxRefreshWait, _time, connection.Ended).ConfigureAwait(false);
                    continue;
                }

                await Task.Delay(wait < MinRefreshWait ? MinRefreshWait : wait, _time, connection.Ended).ConfigureAwait(false);
                DateTimeOffset? next = await RefreshTokenAsync(connection.Ended).ConfigureAwait(false);
                if (next is not { } n || n <= expires) return;    // the provider has nothing newer: stop asking
                expires = n;
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended; the next one schedules its own refresh.
        }
        catch (Exception e)
        {
            ClientLog.RefreshFailed(_logger, e);
        }
    }
}
