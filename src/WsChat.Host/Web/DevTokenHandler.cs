using System.Buffers;
using System.Text;
using System.Text.Json;

namespace WsChat.Host.Web;

/// <summary>
/// <c>GET /dev/token?user=NAME</c>: mints a token for any name, so that the web page signs in with just a name.
/// Mapped only when <c>WsChat:Development:Enabled</c> is true: it hands out identities to anyone who asks, which is
/// what a developer wants on their machine and what nobody wants anywhere else.
/// </summary>
/// <remarks>Thread-safe when the mint function is.</remarks>
internal sealed class DevTokenHandler
{
    /// <summary>The route.</summary>
    public const string Path = "/dev/token";

    // Long enough for a working session; the page's token provider fetches a new one at each reconnect and
    // before this runs out, so a short life costs nothing.
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private static readonly SearchValues<char> s_nameChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

    private readonly Func<string, TimeSpan, string> _mint;
    private readonly TimeProvider _time;

    /// <param name="mint">Makes a token for (user id, lifetime), signed with the server's secret.</param>
    /// <param name="time">The clock for <c>expires_at</c>.</param>
    public DevTokenHandler(Func<string, TimeSpan, string> mint, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(mint);
        _mint = mint;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A user name the page may ask for: 1 to 64 of <c>[A-Za-z0-9_.-]</c>, the same name as user id and
    /// display name (so a name is readable wherever it shows, and cannot impersonate with look-alike letters).</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= 64 } && !name.AsSpan().ContainsAnyExcept(s_nameChars);

    /// <summary>Answers one request: 200 with <c>{"token","user_id","username","expires_at"}</c>; 400 for a bad or
    /// missing name; 405 for anything but GET.</summary>
    /// <param name="method">The request method.</param>
    /// <param name="user">The percent-decoded <c>user</c> query parameter, or null.</param>
    public StaticFileResponse Handle(string method, string? user)
    {
        if (method != "GET") return Text(405, "Method Not Allowed", [new("Allow", "GET")]);
        if (!IsValidName(user)) return Text(400, "user: 1 to 64 of A-Z a-z 0-9 _ . -", s_noStore);

        string token = _mint(user!, Lifetime);
        var body = new ArrayBufferWriter<byte>(token.Length + 128);
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("token"u8, token);
            json.WriteString("user_id"u8, user);
            json.WriteString("username"u8, user);
            json.WriteNumber("expires_at"u8, (_time.GetUtcNow() + Lifetime).ToUnixTimeMilliseconds());
            json.WriteEndObject();
        }
        return new StaticFileResponse(200, "application/json; charset=utf-8", body.WrittenMemory, s_noStore);
    }

    // A token is a credential: no cache may keep it (RFC 9111 §5.2.2.5).
    private static readonly KeyValuePair<string, string>[] s_noStore = [new("Cache-Control", "no-store")];

    private static StaticFileResponse Text(int status, string text, KeyValuePair<string, string>[] headers) =>
        new(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text), headers);
}
