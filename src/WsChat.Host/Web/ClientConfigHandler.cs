using System.Buffers;
using System.Text.Json;

namespace WsChat.Host.Web;

/// <summary>
/// <c>GET /config.json</c>: what the page needs to know before sign-in: whether development sign-in (a name is
/// enough) is on, and the token URL to fetch a token from when one is configured. Built once; thread-safe.
/// </summary>
internal sealed class ClientConfigHandler
{
    /// <summary>The route.</summary>
    public const string Path = "/config.json";

    private static readonly KeyValuePair<string, string>[] s_headers = [new("Cache-Control", "no-cache")];
    private readonly byte[] _body;

    /// <param name="development">Development sign-in (<see cref="DevTokenHandler"/>) is mapped.</param>
    /// <param name="tokenUrl">A URL that returns <c>{"token": JWT}</c> (or the JWT as text) for the signed-in
    /// browser user, fetched with credentials; null when people paste a token.</param>
    public ClientConfigHandler(bool development, string? tokenUrl)
    {
        var body = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteBoolean("development"u8, development);
            if (string.IsNullOrWhiteSpace(tokenUrl)) json.WriteNull("tokenUrl"u8);
            else json.WriteString("tokenUrl"u8, tokenUrl);
            json.WriteEndObject();
        }
        _body = body.WrittenSpan.ToArray();
    }

    /// <summary>Answers GET and HEAD with the configuration JSON; 405 otherwise.</summary>
    public StaticFileResponse Handle(string method) => method switch
    {
        "GET" => new(200, "application/json; charset=utf-8", _body, s_headers),
        "HEAD" => new(200, "application/json; charset=utf-8", ReadOnlyMemory<byte>.Empty, s_headers),
        _ => new(405, "text/plain; charset=utf-8", "Method Not Allowed"u8.ToArray(), [new("Allow", "GET, HEAD")]),
    };
}
