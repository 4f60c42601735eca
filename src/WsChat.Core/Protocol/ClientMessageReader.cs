using System.Text.Json;
using System.Text.Unicode;

namespace WsChat.Core.Protocol;

/// <summary>
/// Parses one client text message (PROTOCOL.md §3) into a <see cref="ClientCommand"/> with
/// <see cref="Utf8JsonReader"/>: names and type values are compared as UTF-8, values are borrowed from the
/// message, and nothing is allocated on success or on a refused but well-formed message.
/// </summary>
/// <remarks>
/// Rules where PROTOCOL.md is silent (docs/decisions/protocol-parsing.md): unknown fields and fields the
/// type does not define are ignored whatever their value; a known field given twice is <c>bad_request</c>;
/// <c>null</c> for an optional field (<c>ref</c>, <c>since</c>, <c>before</c>, <c>limit</c>) means absent;
/// numbers must be integers (no fraction or exponent) and strings must be strings (<c>"5"</c> is not a
/// number); a kept string with a lone surrogate escape or invalid UTF-8 is <c>bad_request</c>. Malformed JSON costs one caught
/// <see cref="JsonException"/> (the reader has no non-throwing API); empty and non-object messages are
/// refused before that. Thread-safe: all state is on the stack or thread-static.
/// </remarks>
internal static partial class ClientMessageReader
{
    private static readonly JsonReaderOptions s_options = new()
    {
        MaxDepth = ProtocolLimits.MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        AllowMultipleValues = false,
    };

    /// <summary>Parses <paramref name="json"/> with the default <c>text</c> limit (4096 code points).</summary>
    /// <returns>True with a validated <paramref name="cmd"/>; false with <paramref name="error"/>
    /// (<c>bad_request</c>, or <c>too_large</c> for an over-long text). On failure <c>cmd.Type</c> is the
    /// recognised type (or None) and <c>cmd.Ref</c> the valid <c>ref</c> when they could be read.</returns>
    public static bool TryRead(ReadOnlySpan<byte> json, out ClientCommand cmd, out ProtocolError error) =>
        TryRead(json, ProtocolLimits.DefaultMaxTextLength, out cmd, out error);

    /// <summary>Parses <paramref name="json"/>; <paramref name="maxTextLength"/> bounds <c>text</c> in code points.</summary>
    /// <inheritdoc cref="TryRead(ReadOnlySpan{byte}, out ClientCommand, out ProtocolError)"/>
    public static bool TryRead(ReadOnlySpan<byte> json, int maxTextLength, out ClientCommand cmd, out ProtocolError error)
    {
        cmd = default;
        // §5: an empty or non-object message is bad_request; refuse it without the reader's exception.
        int first = json.IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0) return Fail(out error, "empty message");
        if (json[first] != (byte)'{') return Fail(out error, "a message must be a JSON object");

        Fields fields = default;
        try
        {
            if (Scan(json, ref fields, out error) && Build(ref fields, maxTextLength, out ClientCommand built, out error))
            {
                cmd = built;
                cmd.Type = fields.Type;
                cmd.Ref = fields.ValidRef;
                return true;
            }
        }
        catch (JsonException)
        {
            return Fail(out error, "message is not valid JSON");
        }

        // Only the type and a valid ref survive a refusal, so the error can name and echo them.
        cmd = default;
        cmd.Type = fields.Type;
        cmd.Ref = fields.ValidRef;
        return false;
    }

    private static bool Fail(out ProtocolError error, string message)
    {
        error = new ProtocolError(ErrorCode.BadRequest, message);
        return false;
    }
}
