using Microsoft.Extensions.Logging;
using WsChat.Net.Client;

namespace WsChat.Core.Client;

/// <summary>
/// Settings of a <see cref="ChatClient"/>. Init-only; <see cref="Validate"/> runs in the client's constructor.
/// Give exactly one of <see cref="Token"/> and <see cref="TokenProvider"/>.
/// </summary>
public sealed class ChatClientOptions
{
    /// <summary>The chat endpoint, e.g. <c>ws://chat.example:8080/ws</c>. Required. Only <c>ws://</c> (TLS is a proxy's job).</summary>
    public required Uri ServerUri { get; init; }

    /// <summary>A fixed JWT (PROTOCOL.md §2), used for every connection. It cannot be renewed: once it expires the
    /// server closes with 1008 and the client stays closed. Prefer <see cref="TokenProvider"/> for long sessions.</summary>
    public string? Token { get; init; }

    /// <summary>
    /// Called for a token before every connection and before the current token expires (at
    /// <see cref="TokenRefreshLead"/> before its <c>exp</c>, read from the token without checking it), so a session
    /// outlives its tokens. Called on a thread-pool thread, never concurrently with itself for one client.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? TokenProvider { get; init; }

    /// <summary>How long before a provided token's <c>exp</c> the client asks for the next one and sends it as an
    /// <c>auth</c> refresh. Default 60 s: well before the server closes at <c>exp</c> + its 30 s skew, with time for a
    /// slow identity provider. A token with less life left is refreshed at half of what is left.</summary>
    public TimeSpan TokenRefreshLead { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The backoff's base: the first reconnect waits a random time below it. Default 250 ms.</summary>
    public TimeSpan ReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The backoff's cap: attempt <c>n</c> waits a random time below min(cap, base × 2^n) ("full jitter").
    /// Default 30 s, so that after a server outage thousands of clients spread their reconnects over 30 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one attempt may take from TCP connect to the server's <c>welcome</c>. Default 15 s; past it
    /// the attempt counts as failed and the client backs off and tries again.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long <see cref="ChatClient.CloseAsync"/> waits for the server's close reply. Default 5 s (PROTOCOL.md §5).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time source for backoff, timeouts, token refresh and the keep-alive watchdog. Default
    /// <see cref="TimeProvider.System"/>; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Randomness of the backoff's jitter. Default null: <see cref="System.Random.Shared"/>. Tests pass a
    /// seeded one. Used from one thread at a time.</summary>
    public Random? Random { get; init; }

    /// <summary>Where the client logs connection changes and misbehaving handlers. Default null: nothing.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Settings of the underlying <see cref="WebSocketClient"/> (local address, extra headers, limits).
    /// Default null: its defaults.</summary>
    public WebSocketClientOptions? Transport { get; init; }

    /// <summary>Checks the settings; the client's constructor calls it.</summary>
    /// <exception cref="ArgumentException">No <c>ws://</c> URI, not exactly one of the token settings, or a
    /// non-positive delay or timeout, or an initial delay above the maximum.</exception>
    public void Validate()
    {
        if (ServerUri is null || !ServerUri.IsAbsoluteUri || !string.Equals(ServerUri.Scheme, "ws", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("ChatClientOptions.ServerUri must be an absolute ws:// URI, e.g. ws://127.0.0.1:8080/ws.", nameof(ServerUri));
        }

        if (string.IsNullOrEmpty(Token) == (TokenProvider is null))
        {
            throw new ArgumentException("Give exactly one of ChatClientOptions.Token and ChatClientOptions.TokenProvider.", nameof(Token));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReconnectInitialDelay, TimeSpan.Zero, nameof(ReconnectInitialDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectMaxDelay, ReconnectInitialDelay, nameof(ReconnectMaxDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CloseTimeout, TimeSpan.Zero, nameof(CloseTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(TokenRefreshLead, TimeSpan.Zero, nameof(TokenRefreshLead));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
