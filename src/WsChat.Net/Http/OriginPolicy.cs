using System.Text;

namespace WsChat.Net.Http;

/// <summary>
/// Which browser origins may open a WebSocket (PROTOCOL.md §5): a request without Origin (not a
/// browser), an Origin whose host and port equal the Host header's, or one of the allowed origins.
/// Anything else gets 403. Immutable; thread-safe.
/// </summary>
internal sealed class OriginPolicy
{
    /// <summary>No extra origins: only same-host browsers and non-browser clients.</summary>
    public static readonly OriginPolicy SameHostOnly = new([]);

    private readonly byte[][] _allowed;
    private readonly bool _allowAny;

    /// <param name="allowedOrigins">Origins as browsers send them ("https://chat.example.com",
    /// "http://localhost:5173"), compared ASCII case-insensitively, trailing "/" ignored; "*" allows every origin.</param>
    public OriginPolicy(IEnumerable<string> allowedOrigins)
    {
        var list = new List<byte[]>();
        foreach (string origin in allowedOrigins)
        {
            string trimmed = origin.Trim().TrimEnd('/');
            if (trimmed == "*") _allowAny = true;
            else if (trimmed.Length > 0) list.Add(Encoding.UTF8.GetBytes(trimmed));
        }

        _allowed = [.. list];
    }

    /// <summary>True when a request with this Origin (null when absent) and Host may upgrade.</summary>
    public bool IsAllowed(ReadOnlySpan<byte> origin, bool hasOrigin, ReadOnlySpan<byte> host)
    {
        if (!hasOrigin || _allowAny) return true;
        foreach (byte[] allowed in _allowed)
        {
            if (Ascii.EqualsIgnoreCase(origin, allowed)) return true;
        }

        return IsSameHost(origin, host);
    }

    /// <summary>
    /// True when <paramref name="origin"/> ("scheme://host[:port]") names the same host and port as
    /// <paramref name="host"/> ("host[:port]"); a missing port is the scheme's default (80, 443).
    /// </summary>
    public static bool IsSameHost(ReadOnlySpan<byte> origin, ReadOnlySpan<byte> host)
    {
        int defaultPort;
        if (StartsWithIgnoreCase(origin, "http://"u8))
        {
            origin = origin[7..];
            defaultPort = 80;
        }
        else if (StartsWithIgnoreCase(origin, "https://"u8))
        {
            origin = origin[8..];
            defaultPort = 443;
        }
        else
        {
            return false;   // "null" (opaque origins), file:, other schemes
        }

        if (origin.IsEmpty || host.IsEmpty || origin.IndexOfAny("/?#@"u8) >= 0) return false;
        SplitHostPort(origin, out ReadOnlySpan<byte> originName, out int originPort, defaultPort);
        SplitHostPort(host, out ReadOnlySpan<byte> hostName, out int hostPort, defaultPort);
        return originPort >= 0 && originPort == hostPort && Ascii.EqualsIgnoreCase(originName, hostName);
    }

    // "name:port", "[v6]:port", or without port. Port -1 when not a number.
    private static void SplitHostPort(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> name, out int port, int defaultPort)
    {
        int colon = value.LastIndexOf((byte)':');
        int bracket = value.LastIndexOf((byte)']');
        if (colon < 0 || colon < bracket)
        {
            name = value;
            port = defaultPort;
            return;
        }

        name = value[..colon];
        ReadOnlySpan<byte> digits = value[(colon + 1)..];
        port = digits.Length is > 0 and <= 5 && System.Buffers.Text.Utf8Parser.TryParse(digits, out int parsed, out int consumed) && consumed == digits.Length ? parsed : -1;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> prefix) =>
        value.Length >= prefix.Length && Ascii.EqualsIgnoreCase(value[..prefix.Length], prefix);
}
