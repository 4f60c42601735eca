using System.Text.Json;
using WsChat.Core.Protocol;

namespace WsChat.Core.Client;

/// <summary>
/// Reads one server message (a whole WebSocket text message: the framer reassembled it) into a
/// <see cref="ServerMessage"/> with a <see cref="Utf8JsonReader"/>: names matched in place against
/// <see cref="ProtocolNames"/>, a string only for values the application gets.
/// </summary>
/// <remarks>
/// Lenient where a newer server may differ (unknown fields and types are skipped, field order is free, a repeated
/// field's last value wins), strict where a wrong value would mislead the client (a field of the wrong JSON type,
/// a missing required field, anything that is not one JSON object: the message is refused and the client ignores it).
/// Nesting deeper than 16 levels is refused, as the server refuses it (docs/protocol.md decision 17).
/// Thread-safe: stateless.
/// </remarks>
internal static class ServerMessageParser
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = 16 };

    /// <summary>Parses <paramref name="json"/> into <paramref name="message"/> (reset first).</summary>
    /// <returns>False for malformed JSON, a non-object, a field of the wrong type, or a known type without its
    /// required fields (<paramref name="message"/> is then in an unspecified state).</returns>
    public static bool TryParse(ReadOnlySpan<byte> json, ServerMessage message)
    {
        message.Reset();
        var reader = new Utf8JsonReader(json, s_options);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!ReadField(ref reader, message)) return false;
            }

            // The loop ends at the root's EndObject; anything after it makes Read throw (trailing data).
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return false;
            return HasRequiredFields(message);
        }
        catch (JsonException)
        {
            return false;     // malformed, truncated, too deep, or trailing data
        }
        catch (InvalidOperationException)
        {
            return false;     // a string that is not valid UTF-8, or a lone surrogate escape (GetString)
        }
    }

    private static bool ReadField(ref Utf8JsonReader reader, ServerMessage m)
    {
        // One comparison per known name, in the order of how often they come (message fields first).
        if (reader.ValueTextEquals(ProtocolNames.Type)) return ReadKind(ref reader, out m.Kind);
        if (reader.ValueTextEquals(ProtocolNames.Room)) return ReadString(ref reader, out m.Room);
        if (reader.ValueTextEquals(ProtocolNames.Id)) return ReadInt64(ref reader, out m.Id);
        if (reader.ValueTextEquals(ProtocolNames.From)) return ReadString(ref reader, out m.From);
        if (reader.ValueTextEquals(ProtocolNames.FromId)) return ReadString(ref reader, out m.FromId);
        if (reader.ValueTextEquals(ProtocolNames.Text)) return ReadString(ref reader, out m.Text);
        if (reader.ValueTextEquals(ProtocolNames.Timestamp)) return ReadInt64(ref reader, out m.Timestamp);
        if (reader.ValueTextEquals(ProtocolNames.Ref)) return ReadString(ref reader, out m.Ref);
        if (reader.ValueTextEquals(ProtocolNames.To)) return ReadString(ref reader, out m.To);
        if (reader.ValueTextEquals(ProtocolNames.User)) return ReadString(ref reader, out m.User);
        if (reader.ValueTextEquals(ProtocolNames.UserId)) return ReadString(ref reader, out m.UserId);
        if (reader.ValueTextEquals(ProtocolNames.Status)) return ReadStatus(ref reader, m);
        if (reader.ValueTextEquals(ProtocolNames.LastId)) return ReadInt64(ref reader, out m.LastId);
        if (reader.ValueTextEquals(ProtocolNames.Recovered)) return ReadBool(ref reader, out m.Recovered);
        if (reader.ValueTextEquals(ProtocolNames.Users)) return ReadMembers(ref reader, out m.Users);
        if (reader.ValueTextEquals(ProtocolNames.Messages)) return ReadHistoryItems(ref reader, m);
        if (reader.ValueTextEquals(ProtocolNames.HasMore)) return ReadBool(ref reader, out m.HasMore);
        if (reader.ValueTextEquals(ProtocolNames.Dm)) return ReadString(ref reader, out m.Dm);
        if (reader.ValueTextEquals(ProtocolNames.Code)) return ReadString(ref reader, out m.Code);
        if (reader.ValueTextEquals(ProtocolNames.Message)) return ReadString(ref reader, out m.ErrorMessage);
        if (reader.ValueTextEquals(ProtocolNames.RetryAfterMs)) return ReadInt32(ref reader, out m.RetryAfterMs);
        if (reader.ValueTextEquals(ProtocolNames.ExpiresAt)) return ReadInt64(ref reader, out m.ExpiresAt);
        if (reader.ValueTextEquals(ProtocolNames.Username)) return ReadString(ref reader, out m.Username);
        if (reader.ValueTextEquals(ProtocolNames.Session)) return ReadString(ref reader, out m.Session);
        if (reader.ValueTextEquals(ProtocolNames.HeartbeatMs)) return ReadInt32(ref reader, out m.HeartbeatMs);
        reader.Read();
        reader.Skip();    // a field of a newer protocol: its value may be an object or array
        return true;
    }

    private static bool ReadKind(ref Utf8JsonReader reader, out ServerMessageKind kind)
    {
        kind = ServerMessageKind.Unknown;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String) return false;
        if (reader.ValueTextEquals(ProtocolNames.TypeMessage)) kind = ServerMessageKind.Message;
        else if (reader.ValueTextEquals(ProtocolNames.TypeAck)) kind = ServerMessageKind.Ack;
        else if (reader.ValueTextEquals(ProtocolNames.TypeTyping)) kind = ServerMessageKind.Typing;
        else if (reader.ValueTextEquals(ProtocolNames.TypePresence)) kind = ServerMessageKind.Presence;
        else if (reader.ValueTextEquals(ProtocolNames.TypeDm)) kind = ServerMessageKind.Dm;
        else if (reader.ValueTextEquals(ProtocolNames.TypeJoined)) kind = ServerMessageKind.Joined;
        else if (reader.ValueTextEquals(ProtocolNames.TypeLeft)) kind = ServerMessageKind.Left;
        else if (reader.ValueTextEquals(ProtocolNames.TypeError)) kind = ServerMessageKind.Error;
        else if (reader.ValueTextEquals(ProtocolNames.TypeUsers)) kind = ServerMessageKind.Users;
        else if (reader.ValueTextEquals(ProtocolNames.TypeHistory)) kind = ServerMessageKind.History;
        else if (reader.ValueTextEquals(ProtocolNames.TypePong)) kind = ServerMessageKind.Pong;
        else if (reader.ValueTextEquals(ProtocolNames.TypeWelcome)) kind = ServerMessageKind.Welcome;
        return true;
    }

    private static bool ReadStatus(ref Utf8JsonReader reader, ServerMessage m)
    {
        // presence.status is "online"/"offline", typing.status a boolean (PROTOCOL.md §4).
        if (!reader.Read()) return false;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                m.StatusText = reader.ValueTextEquals(ProtocolNames.StatusOnline) ? "online"
                    : reader.ValueTextEquals(ProtocolNames.StatusOffline) ? "offline"
                    : reader.GetString();
                return true;
            case JsonTokenType.True:
            case JsonTokenType.False:
                m.StatusBool = reader.TokenType == JsonTokenType.True;
                return true;
            default:
                return false;
        }
    }

    private static bool ReadString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.String) return false;
        value = reader.GetString();
        return true;
    }

    private static bool ReadInt64(ref Utf8JsonReader reader, out long? value)
    {
        value = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long number)) return false;
        value = number;
        return true;
    }

    private static bool ReadInt32(ref Utf8JsonReader reader, out int? value)
    {
        value = null;
        if (!reader.Read()) return false;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int number)) return false;
        value = number;
        return true;
    }

    private static bool ReadBool(ref Utf8JsonReader reader, out bool? value)
    {
        value = null;
        if (!reader.Read()) return false;
        switch (reader.TokenType)
        {
            case JsonTokenType.True: value = true; return true;
            case JsonTokenType.False: value = false; return true;
            case JsonTokenType.Null: return true;
            default: return false;
        }
    }

    // [{"user_id","username"}, …]
    private static bool ReadMembers(ref Utf8JsonReader reader, out List<ChatMember>? members)
    {
        members = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return false;
        var list = new List<ChatMember>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? userId = null, username = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool ok;
                if (reader.ValueTextEquals(ProtocolNames.UserId)) ok = ReadString(ref reader, out userId);
                else if (reader.ValueTextEquals(ProtocolNames.Username)) ok = ReadString(ref reader, out username);
                else { reader.Read(); reader.Skip(); ok = true; }
                if (!ok) return false;
            }

            if (userId is null) return false;
            list.Add(new ChatMember(userId, username ?? userId));
        }

        if (reader.TokenType != JsonTokenType.EndArray) return false;
        members = list;
        return true;
    }

    // history.messages: room messages (with room) or DMs (with to), without type (PROTOCOL.md §4).
    private static bool ReadHistoryItems(ref Utf8JsonReader reader, ServerMessage m)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return false;
        var rooms = new List<ChatMessage>();
        var dms = new List<ChatDirectMessage>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? room = null, from = null, fromId = null, to = null, text = null;
            long? id = null, timestamp = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool ok;
                if (reader.ValueTextEquals(ProtocolNames.Room)) ok = ReadString(ref reader, out room);
                else if (reader.ValueTextEquals(ProtocolNames.Id)) ok = ReadInt64(ref reader, out id);
                else if (reader.ValueTextEquals(ProtocolNames.From)) ok = ReadString(ref reader, out from);
                else if (reader.ValueTextEquals(ProtocolNames.FromId)) ok = ReadString(ref reader, out fromId);
                else if (reader.ValueTextEquals(ProtocolNames.To)) ok = ReadString(ref reader, out to);
                else if (reader.ValueTextEquals(ProtocolNames.Text)) ok = ReadString(ref reader, out text);
                else if (reader.ValueTextEquals(ProtocolNames.Timestamp)) ok = ReadInt64(ref reader, out timestamp);
                else { reader.Read(); reader.Skip(); ok = true; }
                if (!ok) return false;
            }

            if (id is null || from is null || fromId is null || text is null || timestamp is null) return false;
            DateTimeOffset time = ToTime(timestamp.Value);
            if (to is not null) dms.Add(new ChatDirectMessage(id.Value, from, fromId, to, text, time));
            else if (room is not null) rooms.Add(new ChatMessage(room, id.Value, from, fromId, text, time));
            else return false;
        }

        if (reader.TokenType != JsonTokenType.EndArray) return false;
        m.RoomMessages = rooms;
        m.DirectMessages = dms;
        return true;
    }

    private static bool HasRequiredFields(ServerMessage m) => m.Kind switch
    {
        ServerMessageKind.Welcome => m.UserId is not null && m.Session is not null,
        ServerMessageKind.Joined => m.Room is not null && m.LastId is not null,
        ServerMessageKind.Left => m.Room is not null,
        ServerMessageKind.Message => m.Room is not null && m.Id is not null && m.From is not null && m.FromId is not null && m.Text is not null && m.Timestamp is not null,
        ServerMessageKind.Dm => m.Id is not null && m.From is not null && m.FromId is not null && m.To is not null && m.Text is not null && m.Timestamp is not null,
        ServerMessageKind.Presence => m.Room is not null && m.UserId is not null && m.StatusText is not null,
        ServerMessageKind.Typing => m.Room is not null && m.UserId is not null && m.StatusBool is not null,
        ServerMessageKind.Users => m.Room is not null && m.Users is not null,
        ServerMessageKind.History => (m.Room is not null || m.Dm is not null) && m.RoomMessages is not null,
        ServerMessageKind.Error => m.Code is not null,
        _ => true,     // ack, pong, and types this client does not know
    };

    /// <summary>A §4 <c>timestamp</c> (ms since the Unix epoch, UTC) as a time; out-of-range values are clamped.</summary>
    public static DateTimeOffset ToTime(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(unixMs, DateTimeOffset.MinValue.ToUnixTimeMilliseconds(), DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
}
