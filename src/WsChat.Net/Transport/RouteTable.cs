using System.Text;

namespace WsChat.Net.Transport;

/// <summary>
/// Maps a request path (as sent, still percent-encoded) to an endpoint: exact paths first, then the longest
/// matching prefix, then the fallback. Filled before <see cref="WebSocketServer.Start"/> and read-only after, so
/// lookups take no lock and allocate nothing.
/// </summary>
internal sealed class RouteTable
{
    private readonly List<(byte[] Path, Route Route)> _exact = [];
    private readonly List<(byte[] Prefix, Route Route)> _prefixes = [];
    private Route _fallback;

    public void AddExact(string path, Route route)
    {
        ValidatePath(path);
        byte[] bytes = Encoding.UTF8.GetBytes(path);
        if (_exact.Exists(e => e.Path.AsSpan().SequenceEqual(bytes))) throw new ArgumentException($"'{path}' is mapped already.", nameof(path));
        _exact.Add((bytes, route));
    }

    public void AddPrefix(string prefix, Route route)
    {
        ValidatePath(prefix);
        byte[] bytes = Encoding.UTF8.GetBytes(prefix);
        if (_prefixes.Exists(e => e.Prefix.AsSpan().SequenceEqual(bytes))) throw new ArgumentException($"'{prefix}' is mapped already.", nameof(prefix));
        _prefixes.Add((bytes, route));
        _prefixes.Sort((a, b) => b.Prefix.Length.CompareTo(a.Prefix.Length));   // longest first
    }

    public void SetFallback(Route route) => _fallback = route;

    public Route Find(ReadOnlySpan<byte> path)
    {
        foreach ((byte[] p, Route route) in _exact)
        {
            if (path.SequenceEqual(p)) return route;
        }

        foreach ((byte[] p, Route route) in _prefixes)
        {
            if (path.StartsWith(p)) return route;
        }

        return _fallback;
    }

    private static void ValidatePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path[0] != '/') throw new ArgumentException("A path starts with '/'.", nameof(path));
    }
}

/// <summary>One route's target: exactly one of the two is set (or neither: 404).</summary>
internal readonly record struct Route(WebSocketEndpoint? WebSocket, IHttpHandler? Http)
{
    public bool IsEmpty => WebSocket is null && Http is null;
}
