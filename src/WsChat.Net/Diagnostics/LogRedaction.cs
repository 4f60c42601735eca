using System.Text;

namespace WsChat.Net.Diagnostics;

/// <summary>
/// Makes request targets safe to log: the value of every query parameter whose name contains
/// <c>token</c> (PROTOCOL.md §2's <c>token</c>, the common <c>access_token</c>, and any odd spelling a
/// client may send, percent-encoded or not) becomes <c>***</c>, so a token given as
/// <c>/ws?token=JWT</c> never reaches a log line. Masking too much is harmless; too little is a leak. Headers are never logged at all
/// (<c>Authorization: Bearer</c> carries the same secret).
/// </summary>
internal static class LogRedaction
{
    /// <summary>What a redacted value is replaced with.</summary>
    public const string Mask = "***";

    /// <summary>Returns <paramref name="target"/> (path and query, as received) with credential values masked.
    /// Allocates only when there is a query; for logging, not for the message path.</summary>
    public static string RedactTarget(ReadOnlySpan<char> target)
    {
        int q = target.IndexOf('?');
        if (q < 0) return target.ToString();
        var sb = new StringBuilder(target.Length);
        sb.Append(target[..(q + 1)]);
        ReadOnlySpan<char> query = target[(q + 1)..];
        bool first = true;
        while (true)
        {
            int amp = query.IndexOf('&');
            ReadOnlySpan<char> pair = amp < 0 ? query : query[..amp];
            if (!first) sb.Append('&');
            first = false;
            int eq = pair.IndexOf('=');
            ReadOnlySpan<char> name = eq < 0 ? pair : pair[..eq];
            if (eq >= 0 && IsSecret(name)) sb.Append(name).Append('=').Append(Mask);
            else sb.Append(pair);
            if (amp < 0) break;
            query = query[(amp + 1)..];
        }

        return sb.ToString();
    }

    /// <summary>Same as <see cref="RedactTarget(ReadOnlySpan{char})"/> for a UTF-8 target as read from the wire.</summary>
    public static string RedactTarget(ReadOnlySpan<byte> utf8Target) => RedactTarget(Encoding.UTF8.GetString(utf8Target));

    private static bool IsSecret(ReadOnlySpan<char> name) =>
        // Percent-decoded first: "tok%65n" is "token" to a server that decodes names.
        Normalise(name).Contains("token", StringComparison.Ordinal);

    private static string Normalise(ReadOnlySpan<char> name)
    {
        if (name.IndexOf('%') < 0 && name.IndexOf('+') < 0) return name.ToString().ToLowerInvariant();
        try
        {
            return Uri.UnescapeDataString(name.ToString().Replace('+', ' ')).ToLowerInvariant();
        }
        catch (UriFormatException)
        {
            return name.ToString().ToLowerInvariant();
        }
    }
}
