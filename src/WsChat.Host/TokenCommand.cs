using Microsoft.Extensions.Configuration;
using WsChat.Core.Auth;
using WsChat.Host.Configuration;

namespace WsChat.Host;

/// <summary>
/// <c>wschat token --user ID [--name NAME] [--ttl HH:MM:SS]</c>: prints an HS256 token signed with the configured
/// secret (DESIGN.md "Commands"), for development and tests. Configuration options (<c>--WsChat:JwtSecret=…</c>)
/// may follow; the secret comes from the same sources as the server's.
/// </summary>
internal static class TokenCommand
{
    private const string Usage = "usage: wschat token --user ID [--name NAME] [--ttl HH:MM:SS] [--WsChat:JwtSecret=...]";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? user = null, name = null;
        TimeSpan ttl = TimeSpan.FromHours(24);
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--user" when value is not null: user = value; i++; break;
                case "--name" when value is not null: name = value; i++; break;
                case "--ttl" when value is not null && TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out ttl): i++; break;
                case "--help" or "-h":
                    output.WriteLine(Usage);
                    return 0;
                default:
                    if (!args[i].Contains('=', StringComparison.Ordinal))
                    {
                        error.WriteLine($"wschat token: unexpected argument '{args[i]}'\n{Usage}");
                        return 2;
                    }

                    rest.Add(args[i]);
                    break;
            }
        }

        if (string.IsNullOrEmpty(user))
        {
            error.WriteLine(Usage);
            return 2;
        }

        WsChatOptions options = WsChatHost.LoadOptions(rest.ToArray());
        try
        {
            output.WriteLine(JwtTokens.Create(options.JwtSecret, user, name, ttl, options.JwtIssuer, options.JwtAudience));
            return 0;
        }
        catch (ArgumentException e)
        {
            error.WriteLine("wschat token: " + e.Message);
            return 2;
        }
    }
}
