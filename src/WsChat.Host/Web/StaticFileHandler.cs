namespace WsChat.Host.Web;

/// <summary>
/// Serves the bundled web client: <c>/</c> is index.html, <c>/static/NAME</c> every other bundled file.
/// </summary>
/// <remarks>
/// Caching (RFC 9111): index.html is <c>no-cache</c> (stored, revalidated on every load, so a new release shows
/// at once, usually as a cheap 304); a file asked for with its fingerprint (<c>?v=</c>, which the bundled pages
/// always use) is <c>immutable</c> for a year; without it (another app importing <c>/static/wschat.js</c>), five
/// minutes. Every 200 carries a strong ETag, and a matching <c>If-None-Match</c> gets 304. Thread-safe: the
/// state is read-only after construction.
/// </remarks>
internal sealed class StaticFileHandler
{
    /// <summary>Where the bundled files other than the index are served.</summary>
    public const string StaticPrefix = "/static/";

    private const string Revalidate = "no-cache";
    private const string ShortLived = "public, max-age=300";           // 5 min: a new release reaches old URLs soon
    private const string Immutable = "public, max-age=31536000, immutable"; // 1 year, RFC 8246: the URL names the bytes

    private static readonly KeyValuePair<string, string>[] s_allowHeaders = [new("Allow", "GET, HEAD")];
    private static readonly KeyValuePair<string, string>[] s_noHeaders = [];

    private readonly StaticAssetCatalog _catalog;
    private readonly Dictionary<(string Name, string Cache), KeyValuePair<string, string>[]> _headers = [];

    /// <summary>Serves <paramref name="catalog"/>. <paramref name="connectSources"/> are origins the page may
    /// fetch from besides its own (a configured token URL's origin), added to its Content-Security-Policy.</summary>
    public StaticFileHandler(StaticAssetCatalog catalog, IEnumerable<string>? connectSources = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
        string csp = ContentSecurityPolicy(connectSources ?? []);
        foreach (StaticAsset asset in catalog.Assets.Values)
        {
            foreach (string cache in (string[])[Revalidate, ShortLived, Immutable])
            {
                var headers = new List<KeyValuePair<string, string>>
                {
                    new("ETag", asset.ETag),
                    new("Cache-Control", cache),
                    new("X-Content-Type-Options", "nosniff"),
                };
                if (asset.ContentType.StartsWith("text/html", StringComparison.Ordinal))
                {
                    headers.Add(new("Content-Security-Policy", csp));
                    headers.Add(new("Referrer-Policy", "no-referrer"));
                }
                _headers[(asset.Name, cache)] = [.. headers];
            }
        }
    }

    /// <summary>True when <paramref name="path"/> is one this handler serves (found or not): <c>/</c>,
    /// <c>/index.html</c>, or under <see cref="StaticPrefix"/>.</summary>
    public static bool Owns(string path) =>
        path is "/" or "/index.html" || path.StartsWith(StaticPrefix, StringComparison.Ordinal);

    /// <summary>Answers one request.</summary>
    /// <param name="method">The request method (case-sensitive, RFC 9110 §9.1).</param>
    /// <param name="path">The path without the query, as sent (not decoded: bundled names need no escaping).</param>
    /// <param name="query">The query without the leading <c>?</c>; empty when none.</param>
    /// <param name="ifNoneMatch">The <c>If-None-Match</c> header value, or null.</param>
    public StaticFileResponse Handle(string method, string path, string query, string? ifNoneMatch)
    {
        if (method is not ("GET" or "HEAD")) return Error(405, "Method Not Allowed", s_allowHeaders);

        string cache;
        StaticAsset? asset;
        if (path is "/" or "/index.html")
        {
            _catalog.TryGet(StaticAssetCatalog.IndexName, out asset);
            cache = Revalidate;
        }
        else if (path.StartsWith(StaticPrefix, StringComparison.Ordinal) &&
                 path.Length > StaticPrefix.Length && path[StaticPrefix.Length..] != StaticAssetCatalog.IndexName &&
                 _catalog.TryGet(path[StaticPrefix.Length..], out asset))
        {
            // Exact name lookup in the catalog: "..", "%2e" or a second "/" simply find nothing.
            string? version = QueryValue(query, "v");
            cache = version is null ? ShortLived : version == asset.Fingerprint ? Immutable : Revalidate;
        }
        else
        {
            asset = null;
            cache = Revalidate;
        }
        if (asset is null) return Error(404, "Not Found", s_noHeaders);

        KeyValuePair<string, string>[] headers = _headers[(asset.Name, cache)];
        if (ifNoneMatch is not null && Matches(ifNoneMatch, asset.ETag))
            return new StaticFileResponse(304, asset.ContentType, ReadOnlyMemory<byte>.Empty, headers);
        // HEAD gets the body too: the transport sends its length as Content-Length and leaves the bytes out.
        return new StaticFileResponse(200, asset.ContentType, asset.Body, headers);
    }

    // RFC 9110 §13.1.2: If-None-Match is "*" or a list of entity tags compared weakly (W/ ignored).
    internal static bool Matches(string ifNoneMatch, string etag)
    {
        ReadOnlySpan<char> rest = ifNoneMatch;
        while (!rest.IsEmpty)
        {
            int comma = rest.IndexOf(',');
            ReadOnlySpan<char> item = (comma < 0 ? rest : rest[..comma]).Trim();
            rest = comma < 0 ? [] : rest[(comma + 1)..];
            if (item is "*") return true;
            if (item.StartsWith("W/", StringComparison.Ordinal)) item = item[2..];
            if (item.SequenceEqual(etag)) return true;
        }
        return false;
    }

    internal static string? QueryValue(string query, string name)
    {
        foreach (string pair in query.Split('&'))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq == name.Length && pair.StartsWith(name, StringComparison.Ordinal)) return pair[(eq + 1)..];
        }
        return null;
    }

    // The page renders every user string as text; this policy is the second wall: no inline script, no
    // script from elsewhere, no plugins, no framing (clickjacking), no <base> hijack.
    private static string ContentSecurityPolicy(IEnumerable<string> connectSources) =>
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        $"connect-src 'self' ws: wss:{string.Concat(connectSources.Select(s => " " + s))}; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static StaticFileResponse Error(int status, string text, KeyValuePair<string, string>[] headers) =>
        new(status, "text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(text), headers);
}
