using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WsChat.LoadGen.Connections;

/// <summary>Connection i is user u&lt;i&gt;: a ?token= minted with the secret, or ?user= in anonymous mode.</summary>
internal sealed class Identity
{
    private readonly Uri[] _urls;
    private readonly SigningCredentials? _credentials;
    private readonly JsonWebTokenHandler _handler = new();

    public Identity(IReadOnlyList<Uri> urls, string? secret)
    {
        if (urls.Count == 0) throw new ArgumentException("At least one URL.", nameof(urls));
        _urls = [.. urls];
        if (secret is not null) _credentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256);
    }

    public static string UserId(int index) => $"u{index}";

    /// <summary>The upgrade URL for connection <paramref name="index"/>: on node index mod the number of URLs.</summary>
    public Uri UrlFor(int index)
    {
        string user = UserId(index);
        string query = _credentials is null ? $"user={user}" : $"token={Mint(user)}";
        var builder = new UriBuilder(_urls[index % _urls.Length]) { Scheme = "ws" };
        builder.Query = string.IsNullOrEmpty(builder.Query) ? query : builder.Query.TrimStart('?') + "&" + query;
        return builder.Uri;
    }

    // PROTOCOL.md §2: HS256, sub and exp required, name optional. An hour outlasts any run.
    private string Mint(string user) => _handler.CreateToken(new SecurityTokenDescriptor
    {
        Subject = new ClaimsIdentity([new Claim("sub", user), new Claim("name", user)]),
        Expires = DateTime.UtcNow.AddHours(1),
        IssuedAt = DateTime.UtcNow,
        NotBefore = DateTime.UtcNow.AddSeconds(-5),
        SigningCredentials = _credentials,
    });
}
