namespace WsChat.Net.Http;

/// <summary>Reads application/x-www-form-urlencoded style query strings (name=value&amp;...).</summary>
internal static class QueryString
{
    // Names are short ("token", "user"); a longer parameter name simply never matches.
    private const int MaxNameLength = 256;

    /// <summary>
    /// The first parameter of <paramref name="query"/> whose percent-decoded name equals
    /// <paramref name="name"/>; its value is returned still encoded.
    /// </summary>
    public static bool TryGetParameter(ReadOnlySpan<byte> query, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> rawValue)
    {
        Span<byte> decoded = stackalloc byte[MaxNameLength];
        while (!query.IsEmpty)
        {
            int amp = query.IndexOf((byte)'&');
            ReadOnlySpan<byte> pair = amp < 0 ? query : query[..amp];
            query = amp < 0 ? default : query[(amp + 1)..];
            int eq = pair.IndexOf((byte)'=');
            ReadOnlySpan<byte> rawName = eq < 0 ? pair : pair[..eq];
            if (rawName.Length <= MaxNameLength
                && PercentEncoding.TryDecode(rawName, decoded, plusIsSpace: true, out int written)
                && decoded[..written].SequenceEqual(name))
            {
                rawValue = eq < 0 ? default : pair[(eq + 1)..];
                return true;
            }
        }

        rawValue = default;
        return false;
    }
}
