using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Configuration;
using WsChat.Core.Auth;
using WsChat.Net.Transport;

namespace WsChat.Host.Web;

/// <summary>
/// Maps the web client's routes on the server: <c>/</c> and <c>/index.html</c> (the page), <c>/static/</c> (its
/// files), <c>/config.json</c> (sign-in settings) and, in development mode only, <c>/dev/token</c>.
/// </summary>
internal static class WebEndpoints
{
    /// <summary>Maps the routes the configuration asks for; nothing when <c>WsChat:Web:Enabled</c> is false.</summary>
    /// <exception cref="InvalidOperationException">Development mode is on but <c>WsChat:JwtSecret</c> is under 32 bytes.</exception>
    public static void Map(WebSocketServer server, IConfiguration configuration)
    {
        WebOptions web = configuration.GetSection(WebOptions.Section).Get<WebOptions>() ?? new WebOptions();
        DevelopmentOptions development = configuration.GetSection(DevelopmentOptions.Section).Get<DevelopmentOptions>() ?? new DevelopmentOptions();
        if (!web.Enabled) return;

        string[] connectSources = Uri.TryCreate(web.TokenUrl, UriKind.Absolute, out Uri? tokenUri)
            ? [tokenUri.GetLeftPart(UriPartial.Authority)]
            : [];
        var files = new FilesEndpoint(new StaticFileHandler(StaticAssetCatalog.FromAssembly(), connectSources));
        server.MapHttp("/", files);
        server.MapHttp("/index.html", files);
        server.MapHttpPrefix(StaticFileHandler.StaticPrefix, files);
        server.MapHttp(ClientConfigHandler.Path, new ConfigEndpoint(new ClientConfigHandler(development.Enabled, web.TokenUrl)));

        if (development.Enabled)
        {
            string secret = configuration["WsChat:JwtSecret"] ?? "";
            if (Encoding.UTF8.GetByteCount(secret) < 32)
                throw new InvalidOperationException("WsChat:Development:Enabled needs WsChat:JwtSecret (at least 32 bytes) to mint tokens.");
            string? issuer = configuration["WsChat:JwtIssuer"];
            string? audience = configuration["WsChat:JwtAudience"];
            server.MapHttp(DevTokenHandler.Path, new DevTokenEndpoint(new DevTokenHandler(
                (user, lifetime) => JwtTokens.Create(secret, user, user, lifetime, issuer, audience))));
        }
    }

    // The header lines of each shared header array, encoded once (the arrays are built once per asset and policy).
    private static readonly ConcurrentDictionary<KeyValuePair<string, string>[], byte[]> s_encodedHeaders =
        new(ReferenceEqualityComparer.Instance);

    internal static HttpResponse ToHttp(in StaticFileResponse response) =>
        new(response.StatusCode, response.Body, response.ContentType) { Headers = Encode(response.Headers) };

    private static byte[] Encode(KeyValuePair<string, string>[] headers) =>
        headers.Length == 0 ? [] : s_encodedHeaders.GetOrAdd(headers, static h =>
            Encoding.ASCII.GetBytes(string.Concat(h.Select(header => $"{header.Key}: {header.Value}\r\n"))));

    private static string Method(HttpRequest request) => request.IsGet ? "GET" : Encoding.Latin1.GetString(request.Method);

    private sealed class FilesEndpoint(StaticFileHandler files) : IHttpHandler
    {
        public HttpResponse Handle(HttpRequest request) => ToHttp(files.Handle(
            Method(request), Encoding.Latin1.GetString(request.Path), Encoding.Latin1.GetString(request.Query),
            request.GetHeader("If-None-Match")));
    }

    private sealed class ConfigEndpoint(ClientConfigHandler config) : IHttpHandler
    {
        public HttpResponse Handle(HttpRequest request) => ToHttp(config.Handle(Method(request)));
    }

    private sealed class DevTokenEndpoint(DevTokenHandler tokens) : IHttpHandler
    {
        public HttpResponse Handle(HttpRequest request) => ToHttp(tokens.Handle(Method(request), request.GetQueryParameter("user")));
    }
}
