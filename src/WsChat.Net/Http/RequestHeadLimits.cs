namespace WsChat.Net.Http;

/// <summary>Limits on an HTTP/1.1 request head (PROTOCOL.md §5). Immutable; thread-safe.</summary>
internal sealed class RequestHeadLimits
{
    /// <summary>PROTOCOL.md §5 defaults: 8 KiB request line, 32 KiB head, 100 headers.</summary>
    public static readonly RequestHeadLimits Default = new();

    /// <summary>Longest request line, without its CRLF; past it, 414. Default 8 KiB.</summary>
    public int MaxRequestLineLength { get; init; } = 8 * 1024;

    /// <summary>Longest head, request line through the empty line's CRLF; past it, 431. Default 32 KiB.</summary>
    public int MaxHeadLength { get; init; } = 32 * 1024;

    /// <summary>Most header fields; past it, 431. Default 100.</summary>
    public int MaxHeaderCount { get; init; } = 100;
}
