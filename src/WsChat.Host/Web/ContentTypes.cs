namespace WsChat.Host.Web;

/// <summary>Content types of the bundled files, by extension.</summary>
internal static class ContentTypes
{
    /// <summary>The <c>Content-Type</c> for <paramref name="fileName"/>; <c>application/octet-stream</c> when unknown,
    /// which with <c>X-Content-Type-Options: nosniff</c> a browser never runs as script or style.</summary>
    public static string For(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".html" => "text/html; charset=utf-8",
        // RFC 9239: text/javascript is the one JavaScript type; browsers require a JS type for ES modules.
        ".js" or ".mjs" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".json" => "application/json; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".webp" => "image/webp",
        ".txt" or ".md" => "text/plain; charset=utf-8",
        ".woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
}
