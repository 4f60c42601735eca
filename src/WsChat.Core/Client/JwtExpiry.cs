using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace WsChat.Core.Client;

/// <summary>
/// Reads a JWT's <c>exp</c> without checking the token (the server checks it): the client only needs to know when
/// to ask its token provider for the next one (PROTOCOL.md §5 "token expiry while connected").
/// </summary>
internal static class JwtExpiry
{
    // PROTOCOL.md §5: a token is at most 4 KiB.
    private const int MaxTokenLength = 4096;

    /// <summary>The <c>exp</c> claim of <paramref name="token"/>; false for anything that is not a JWT with a numeric <c>exp</c>.</summary>
    public static bool TryRead(string token, out DateTimeOffset expires)
    {
        expires = default;
        if (token.Length > MaxTokenLength) return false;
        int first = token.IndexOf('.'), second = first < 0 ? -1 : token.IndexOf('.', first + 1);
        if (second < 0) return false;
        ReadOnlySpan<char> payload = token.AsSpan(first + 1, second - first - 1);
        if (!Base64Url.IsValid(payload)) return false;    // TryDecodeFromChars throws on a character outside the alphabet
        byte[] bytes = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payload.Length));
        try
        {
            if (!Base64Url.TryDecodeFromChars(payload, bytes, out int length)) return false;
            var reader = new Utf8JsonReader(bytes.AsSpan(0, length), new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isExp = reader.ValueTextEquals("exp"u8);
                reader.Read();
                if (isExp && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long seconds)
                    && seconds > 0 && seconds < DateTimeOffset.MaxValue.ToUnixTimeSeconds())
                {
                    expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
                    return true;
                }

                reader.Skip();
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}
