using System.Net;
using System.Text;
using WsChat.Net.Http;

namespace WsChat.Net.Transport;

/// <summary>
/// A parsed HTTP request head as handlers see it (<see cref="IWebSocketHandler.OnUpgrade"/>,
/// <see cref="IHttpHandler.Handle"/>): spans into the connection's pooled copy of the head, so reading it allocates
/// nothing. Valid only during the call it is passed to; copy out what must outlive it.
/// </summary>
public readonly ref struct HttpRequest
{
    private readonly HttpRequestHead _head;
    private readonly WebSocketConnection _connection;

    internal HttpRequest(HttpRequestHead head, WebSocketConnection connection)
    {
        _head = head;
        _connection = connection;
    }

    /// <summary>The method token, e.g. <c>GET</c>.</summary>
    public ReadOnlySpan<byte> Method => _head.Method;

    /// <summary>True for GET.</summary>
    public bool IsGet => _head.IsGet;

    /// <summary>The path as sent (still percent-encoded), without the query.</summary>
    public ReadOnlySpan<byte> Path => _head.Path;

    /// <summary>The query without its <c>?</c>, still percent-encoded; empty when there is none.</summary>
    public ReadOnlySpan<byte> Query => _head.Query;

    /// <summary>The connection's id (the same as the later <see cref="WebSocketConnection.Id"/> after an upgrade).</summary>
    public long ConnectionId => _connection.Id;

    /// <summary>The peer's address and port.</summary>
    public IPEndPoint? RemoteEndPoint => _connection.RemoteEndPoint;

    /// <summary>The first header named <paramref name="name"/> (ASCII case-insensitive), value trimmed. Allocates nothing.</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => _head.TryGetHeader(name, out value);

    /// <summary>The first header named <paramref name="name"/> as a string (Latin-1 decoded); null when absent. Allocates.</summary>
    public string? GetHeader(string name)
    {
        Span<byte> utf8 = stackalloc byte[128];
        if (!Encoding.ASCII.TryGetBytes(name, utf8, out int length)) return null;
        return _head.TryGetHeader(utf8[..length], out ReadOnlySpan<byte> value) ? Encoding.Latin1.GetString(value) : null;
    }

    /// <summary>The first query parameter named <paramref name="name"/>, value still percent-encoded. Allocates nothing.</summary>
    public bool TryGetQueryParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> rawValue) => _head.TryGetQueryParameter(name, out rawValue);

    /// <summary>The first query parameter named <paramref name="name"/>, percent-decoded; null when absent or not
    /// decodable. Allocates the string.</summary>
    public string? GetQueryParameter(string name) => _head.GetQueryParameter(name);
}
