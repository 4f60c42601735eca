using System.Text.Json;
using System.Text.Unicode;

namespace WsChat.Core.Protocol;

internal static partial class ClientMessageReader
{
    // Escaped values are decoded into this per-thread scratch; it is what ClientCommand borrows for them.
    // Kept up to 128 KiB (twice the default 64 KiB message limit); a bigger one is allocated per call.
    private const int MaxCachedScratch = 128 * 1024;

    [ThreadStatic]
    private static byte[]? t_scratch;

    private const string InvalidUnicode = "a string is not valid Unicode (invalid UTF-8 or a lone surrogate escape)";

    private enum Field : byte { Unknown, Type, Ref, Room, Text, To, Token, Dm, Since, Before, Limit, Status }

    private enum ValueKind : byte { Absent, String, Integer, BadNumber, True, False, Null, Other, BadString }

    private ref struct FieldValue
    {
        public ValueKind Kind;
        public ReadOnlySpan<byte> Utf8;   // String: the decoded value
        public long Integer;              // Integer: the value
    }

    // Every known field of every type, filled in one pass because fields (even "type") come in any order.
    private ref struct Fields
    {
        public CommandType Type;
        public ValueKind TypeKind;
        public FieldValue Ref, Room, Text, To, Token, Dm, Since, Before, Limit, Status;
        public ReadOnlySpan<byte> ValidRef;
        public Span<byte> Scratch;
        public int ScratchUsed;
    }

    private static bool Scan(ReadOnlySpan<byte> json, ref Fields fields, out ProtocolError error)
    {
        var reader = new Utf8JsonReader(json, s_options);
        string? problem = null;
        reader.Read();   // StartObject: TryRead saw '{'
        while (true)
        {
            if (!reader.Read()) return Fail(out error, "message is not valid JSON");
            if (reader.TokenType == JsonTokenType.EndObject) break;
            Field field = MatchName(ref reader);
            reader.Read();
            switch (field)
            {
                case Field.Unknown:
                    reader.Skip();   // ignored whatever its value (forward compatibility)
                    break;
                case Field.Type:
                    if (fields.TypeKind != ValueKind.Absent) problem ??= "duplicate field 'type'";
                    fields.TypeKind = reader.TokenType == JsonTokenType.String ? ValueKind.String : ValueKind.Other;
                    if (fields.TypeKind == ValueKind.String) fields.Type = MatchType(ref reader);
                    else reader.Skip();
                    break;
                case Field.Ref: ReadValue(ref reader, ref fields.Ref, ref fields, json.Length, ref problem, "duplicate field 'ref'"); break;
                case Field.Room: ReadValue(ref reader, ref fields.Room, ref fields, json.Length, ref problem, "duplicate field 'room'"); break;
                case Field.Text: ReadValue(ref reader, ref fields.Text, ref fields, json.Length, ref problem, "duplicate field 'text'"); break;
                case Field.To: ReadValue(ref reader, ref fields.To, ref fields, json.Length, ref problem, "duplicate field 'to'"); break;
                case Field.Token: ReadValue(ref reader, ref fields.Token, ref fields, json.Length, ref problem, "duplicate field 'token'"); break;
                case Field.Dm: ReadValue(ref reader, ref fields.Dm, ref fields, json.Length, ref problem, "duplicate field 'dm'"); break;
                case Field.Since: ReadValue(ref reader, ref fields.Since, ref fields, json.Length, ref problem, "duplicate field 'since'"); break;
                case Field.Before: ReadValue(ref reader, ref fields.Before, ref fields, json.Length, ref problem, "duplicate field 'before'"); break;
                case Field.Limit: ReadValue(ref reader, ref fields.Limit, ref fields, json.Length, ref problem, "duplicate field 'limit'"); break;
                case Field.Status: ReadValue(ref reader, ref fields.Status, ref fields, json.Length, ref problem, "duplicate field 'status'"); break;
            }
        }

        // Nothing but whitespace may follow the object; the reader throws on anything else.
        if (reader.Read()) return Fail(out error, "message is not valid JSON");

        // §3: ref is a string of at most 64 characters; kept aside so every failure can echo it.
        switch (fields.Ref.Kind)
        {
            case ValueKind.String when Utf8Text.HasAtMostCodePoints(fields.Ref.Utf8, ProtocolLimits.MaxRefLength):
                fields.ValidRef = fields.Ref.Utf8;
                break;
            case ValueKind.Absent or ValueKind.Null:
                break;
            case ValueKind.BadString:
                problem ??= InvalidUnicode;
                break;
            default:
                problem ??= "field 'ref' must be a string of at most 64 characters";
                break;
        }

        if (problem is not null) return Fail(out error, problem);
        error = default;
        return true;
    }

    private static void ReadValue(scoped ref Utf8JsonReader reader, scoped ref FieldValue value, scoped ref Fields fields, int jsonLength, ref string? problem, string duplicate)
    {
        if (value.Kind != ValueKind.Absent) problem ??= duplicate;   // a known field twice: ambiguous, refused
        value.Utf8 = default;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                // A broken string is only an error if the type uses the field (Build, or the ref check below).
                value.Kind = TryDecodeString(ref reader, ref fields, jsonLength, out value.Utf8) ? ValueKind.String : ValueKind.BadString;
                break;
            case JsonTokenType.Number:
                value.Kind = reader.TryGetInt64(out value.Integer) ? ValueKind.Integer : ValueKind.BadNumber;
                break;
            case JsonTokenType.True:
                value.Kind = ValueKind.True;
                break;
            case JsonTokenType.False:
                value.Kind = ValueKind.False;
                break;
            case JsonTokenType.Null:
                value.Kind = ValueKind.Null;
                break;
            default:
                value.Kind = ValueKind.Other;
                reader.Skip();
                break;
        }
    }

    private static bool TryDecodeString(scoped ref Utf8JsonReader reader, scoped ref Fields fields, int jsonLength, out ReadOnlySpan<byte> value)
    {
        ReadOnlySpan<byte> raw = reader.ValueSpan;   // one contiguous input: never a ValueSequence
        if (!reader.ValueIsEscaped)
        {
            value = raw;
            return Utf8.IsValid(raw);
        }

        if (fields.Scratch.IsEmpty) fields.Scratch = RentScratch(jsonLength);
        Span<byte> destination = fields.Scratch[fields.ScratchUsed..];
        if (!JsonUnescaper.TryUnescape(raw, destination, out int written) || !Utf8.IsValid(destination[..written]))
        {
            value = default;
            return false;
        }

        value = destination[..written];
        fields.ScratchUsed += written;
        return true;
    }

    // Decoded values are never longer than their escaped form, so json.Length bytes hold them all.
    private static byte[] RentScratch(int jsonLength)
    {
        byte[]? scratch = t_scratch;
        if (scratch is not null && scratch.Length >= jsonLength) return scratch;
        if (jsonLength > MaxCachedScratch) return new byte[jsonLength];
        scratch = new byte[Math.Max(jsonLength, 4096)];
        t_scratch = scratch;
        return scratch;
    }

    private static Field MatchName(scoped ref Utf8JsonReader reader)
    {
        // An unescaped name's length picks the one or two candidates worth comparing (names are 2-6 bytes);
        // an escaped one ("\u0074ype") goes through every comparison, which unescapes as it compares.
        int length = reader.ValueIsEscaped ? -1 : reader.ValueSpan.Length;
        if (length is -1 or 4)
        {
            if (reader.ValueTextEquals(ProtocolNames.Type)) return Field.Type;
            if (reader.ValueTextEquals(ProtocolNames.Room)) return Field.Room;
            if (reader.ValueTextEquals(ProtocolNames.Text)) return Field.Text;
        }

        if (length is -1 or 3 && reader.ValueTextEquals(ProtocolNames.Ref)) return Field.Ref;
        if (length is -1 or 2)
        {
            if (reader.ValueTextEquals(ProtocolNames.To)) return Field.To;
            if (reader.ValueTextEquals(ProtocolNames.Dm)) return Field.Dm;
        }

        if (length is -1 or 5)
        {
            if (reader.ValueTextEquals(ProtocolNames.Since)) return Field.Since;
            if (reader.ValueTextEquals(ProtocolNames.Token)) return Field.Token;
            if (reader.ValueTextEquals(ProtocolNames.Limit)) return Field.Limit;
        }

        if (length is -1 or 6)
        {
            if (reader.ValueTextEquals(ProtocolNames.Status)) return Field.Status;
            if (reader.ValueTextEquals(ProtocolNames.Before)) return Field.Before;
        }

        return Field.Unknown;
    }

    private static CommandType MatchType(scoped ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals(ProtocolNames.TypeMessage)) return CommandType.Message;
        if (reader.ValueTextEquals(ProtocolNames.TypeTyping)) return CommandType.Typing;
        if (reader.ValueTextEquals(ProtocolNames.TypeDm)) return CommandType.Dm;
        if (reader.ValueTextEquals(ProtocolNames.TypePing)) return CommandType.Ping;
        if (reader.ValueTextEquals(ProtocolNames.TypeJoin)) return CommandType.Join;
        if (reader.ValueTextEquals(ProtocolNames.TypeLeave)) return CommandType.Leave;
        if (reader.ValueTextEquals(ProtocolNames.TypeHistory)) return CommandType.History;
        if (reader.ValueTextEquals(ProtocolNames.TypeListUsers)) return CommandType.ListUsers;
        if (reader.ValueTextEquals(ProtocolNames.TypeAuth)) return CommandType.Auth;
        return CommandType.None;
    }
}
