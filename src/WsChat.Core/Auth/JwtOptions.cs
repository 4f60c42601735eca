namespace WsChat.Core.Auth;

/// <summary>How tokens are checked (PROTOCOL.md §2, §5). Immutable once built.</summary>
internal sealed class JwtOptions
{
    /// <summary>The HS256 secret; its UTF-8 bytes are the HMAC key, at least 32 of them (RFC 7518 §3.2).</summary>
    public required string Secret { get; init; }

    /// <summary>When set, <c>iss</c> must equal it. Default: not checked.</summary>
    public string? Issuer { get; init; }

    /// <summary>When set, <c>aud</c> must contain it. Default: not checked.</summary>
    public string? Audience { get; init; }

    /// <summary>Tolerance for <c>exp</c>, <c>nbf</c> and <c>iat</c>: 30 s (§5) covers ordinary clock drift between issuer and server.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest token accepted, checked before any parsing: 4 KiB (§5) is ample for a chat identity.</summary>
    public int MaxTokenLength { get; init; } = 4096;
}
