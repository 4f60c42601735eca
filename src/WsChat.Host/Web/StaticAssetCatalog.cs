using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace WsChat.Host.Web;

/// <summary>
/// The bundled web client: the files under <c>Web/wwwroot</c>, embedded in the wschat assembly, loaded once.
/// </summary>
/// <remarks>
/// Asset fingerprinting without a build step: every reference one bundled file makes to another
/// (<c>"/static/app.js"</c> in HTML, <c>'./wschat.js'</c> in a module) is rewritten at load time to carry the
/// target's content hash (<c>?v=…</c>), so those URLs can be cached for a year and a new release is never mixed
/// with a cached old file. A file's hash covers its rewritten bytes, so a change in wschat.js changes app.js's
/// URL too. Read-only after construction: safe for concurrent readers.
/// </remarks>
internal sealed class StaticAssetCatalog
{
    /// <summary>The manifest-resource prefix of the bundled files (see the EmbeddedResource item in the csproj).</summary>
    public const string ResourcePrefix = "wwwroot/";

    /// <summary>The page served at <c>/</c>.</summary>
    public const string IndexName = "index.html";

    // References go at most this deep (index.html → app.js → wschat.js is 3); a cycle would never settle.
    private const int MaxPasses = 8;

    private readonly Dictionary<string, StaticAsset> _assets;

    /// <summary>Builds the catalog from raw files (name → bytes). Throws <see cref="InvalidOperationException"/>
    /// when the files reference each other in a cycle.</summary>
    public StaticAssetCatalog(IReadOnlyDictionary<string, byte[]> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        _assets = Fingerprint(files);
    }

    /// <summary>Every asset by file name.</summary>
    public IReadOnlyDictionary<string, StaticAsset> Assets => _assets;

    /// <summary>The asset named <paramref name="name"/> (exact, case-sensitive), if bundled.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StaticAsset? asset) =>
        _assets.TryGetValue(name, out asset);

    /// <summary>Loads the files embedded under <see cref="ResourcePrefix"/> in <paramref name="assembly"/>
    /// (the wschat assembly by default).</summary>
    public static StaticAssetCatalog FromAssembly(Assembly? assembly = null)
    {
        assembly ??= typeof(StaticAssetCatalog).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream((int)stream.Length);
            stream.CopyTo(copy);
            files[resource[ResourcePrefix.Length..].Replace('\\', '/')] = copy.ToArray();
        }
        return new StaticAssetCatalog(files);
    }

    private static Dictionary<string, StaticAsset> Fingerprint(IReadOnlyDictionary<string, byte[]> files)
    {
        var bodies = files.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var hashes = bodies.ToDictionary(b => b.Key, b => Hash(b.Value), StringComparer.Ordinal);
        for (int pass = 0; ; pass++)
        {
            if (pass == MaxPasses) throw new InvalidOperationException("The bundled web files reference each other in a cycle.");
            var next = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            bool changed = false;
            foreach ((string name, byte[] raw) in files)
            {
                byte[] body = IsText(name) ? Rewrite(raw, name, hashes) : raw;
                next[name] = body;
                string hash = Hash(body);
                if (hash != hashes[name]) { hashes[name] = hash; changed = true; }
            }
            bodies = next;
            if (!changed) break;
        }
        return bodies.ToDictionary(
            b => b.Key, b => new StaticAsset(b.Key, ContentTypes.For(b.Key), b.Value, hashes[b.Key]), StringComparer.Ordinal);
    }

    private static byte[] Rewrite(byte[] raw, string self, Dictionary<string, string> hashes)
    {
        string text = Encoding.UTF8.GetString(raw);
        string rewritten = text;
        foreach ((string target, string hash) in hashes)
        {
            if (target == self || target == IndexName) continue;
            foreach (char quote in "\"'")
            {
                rewritten = rewritten
                    .Replace($"{quote}/static/{target}{quote}", $"{quote}/static/{target}?v={hash}{quote}", StringComparison.Ordinal)
                    .Replace($"{quote}./{target}{quote}", $"{quote}./{target}?v={hash}{quote}", StringComparison.Ordinal);
            }
        }
        return ReferenceEquals(rewritten, text) || rewritten == text ? raw : Encoding.UTF8.GetBytes(rewritten);
    }

    private static bool IsText(string name) =>
        name.EndsWith(".html", StringComparison.Ordinal) || name.EndsWith(".js", StringComparison.Ordinal) ||
        name.EndsWith(".mjs", StringComparison.Ordinal) || name.EndsWith(".css", StringComparison.Ordinal);

    // 64 bits of SHA-256 in hex: collisions between two releases of one file are not a practical concern.
    private static string Hash(byte[] body) => Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 8));
}
