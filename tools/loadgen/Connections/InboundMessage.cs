using System.Buffers.Text;
using System.Text.Json;

namespace WsChat.LoadGen.Connections;

/// <summary>Server message types the loadgen tells apart (PROTOCOL.md §4).</summary>
internal enum InboundType : byte
{
    Other,
    Welcome,
    Joined,
    Left,
    Message,
    Dm,
    Ack,
    Error,
    History,
    Pong,
    Presence,
}

/// <summary>Error codes the loadgen counts separately (PROTOCOL.md §4); the rest are <see cref="Other"/>.</summary>
internal enum ErrorKind : byte
{
    None,
    RateLimited,
    NotMember,
    BadRequest,
    Unauthenticated,
    ServerBusy,
    UserNotFound,
    Other,
}

/// <summary>
/// What the loadgen needs from one server message, read in place with <see cref="Utf8JsonReader"/>:
/// no strings, no allocation. 48 bytes on the stack per message.
/// </summary>
internal struct InboundMessage
{
    public InboundType Type;
    public ErrorKind Error;
    public bool HasMore;
    public int Room;             // n of room "r<n>", else -1
    public long Id;              // message/dm/ack id
    public long LastId;          // joined.last_id
    public long SentTimestamp;   // Stopwatch ticks the sender put at the start of text, 0 if none
    public long Ref;             // numeric ref, -1 if none
    public int HistoryCount;     // history.messages length
    public long HistoryOldestId; // id of history.messages[0]

    /// <summary>Reads the top-level fields; false when the payload is not a JSON object.</summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out InboundMessage message)
    {
        message = new InboundMessage { Room = -1, Ref = -1 };
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8)) { reader.Read(); message.Type = ReadType(ref reader); }
                else if (reader.ValueTextEquals("room"u8)) { reader.Read(); message.Room = ReadRoom(ref reader); }
                else if (reader.ValueTextEquals("id"u8)) { reader.Read(); message.Id = ReadLong(ref reader); }
                else if (reader.ValueTextEquals("last_id"u8)) { reader.Read(); message.LastId = ReadLong(ref reader); }
                else if (reader.ValueTextEquals("ref"u8)) { reader.Read(); message.Ref = ReadRef(ref reader); }
                else if (reader.ValueTextEquals("text"u8)) { reader.Read(); message.SentTimestamp = ReadTimestamp(ref reader); }
                else if (reader.ValueTextEquals("code"u8)) { reader.Read(); message.Error = ReadError(ref reader); }
                else if (reader.ValueTextEquals("has_more"u8)) { reader.Read(); message.HasMore = reader.TokenType == JsonTokenType.True; }
                else if (reader.ValueTextEquals("messages"u8)) { reader.Read(); ReadHistory(ref reader, ref message); }
                else { reader.Read(); reader.Skip(); }
            }

            // One object and nothing after it (Read throws on trailing bytes).
            return reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Writes the text the senders use: Stopwatch ticks (19 digits), a space, then padding to the end of the span.</summary>
    public static void WriteText(Span<byte> text, long timestamp)
    {
        Utf8Formatter.TryFormat(timestamp, text, out _, new System.Buffers.StandardFormat('D', 19));
        text[19] = (byte)' ';
        text[20..].Fill((byte)'x');
    }

    private static InboundType ReadType(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String) return InboundType.Other;
        if (reader.ValueTextEquals("message"u8)) return InboundType.Message;
        if (reader.ValueTextEquals("ack"u8)) return InboundType.Ack;
        if (reader.ValueTextEquals("dm"u8)) return InboundType.Dm;
        if (reader.ValueTextEquals("presence"u8)) return InboundType.Presence;
        if (reader.ValueTextEquals("joined"u8)) return InboundType.Joined;
        if (reader.ValueTextEquals("welcome"u8)) return InboundType.Welcome;
        if (reader.ValueTextEquals("history"u8)) return InboundType.History;
        if (reader.ValueTextEquals("left"u8)) return InboundType.Left;
        if (reader.ValueTextEquals("error"u8)) return InboundType.Error;
        if (reader.ValueTextEquals("pong"u8)) return InboundType.Pong;
        return InboundType.Other;
    }

    private static ErrorKind ReadError(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String) return ErrorKind.Other;
        if (reader.ValueTextEquals("rate_limited"u8)) return ErrorKind.RateLimited;
        if (reader.ValueTextEquals("not_member"u8)) return ErrorKind.NotMember;
        if (reader.ValueTextEquals("bad_request"u8)) return ErrorKind.BadRequest;
        if (reader.ValueTextEquals("unauthenticated"u8)) return ErrorKind.Unauthenticated;
        if (reader.ValueTextEquals("server_busy"u8)) return ErrorKind.ServerBusy;
        if (reader.ValueTextEquals("user_not_found"u8)) return ErrorKind.UserNotFound;
        return ErrorKind.Other;
    }

    // Rooms are named r<n> by the loadgen; anything else is -1.
    private static int ReadRoom(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped) return -1;
        ReadOnlySpan<byte> value = reader.ValueSpan;
        return value.Length > 1 && value[0] == (byte)'r' && Utf8Parser.TryParse(value[1..], out int n, out int used) && used == value.Length - 1 ? n : -1;
    }

    private static long ReadLong(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long v) ? v : 0;

    private static long ReadRef(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped) return -1;
        return Utf8Parser.TryParse(reader.ValueSpan, out long v, out int used) && used == reader.ValueSpan.Length ? v : -1;
    }

    private static long ReadTimestamp(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped) return 0;
        ReadOnlySpan<byte> value = reader.ValueSpan;
        return value.Length >= 20 && value[19] == (byte)' ' && Utf8Parser.TryParse(value[..19], out long ts, out int used) && used == 19 ? ts : 0;
    }

    private static void ReadHistory(ref Utf8JsonReader reader, ref InboundMessage message)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        int depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth == depth + 1)
            {
                message.HistoryCount++;
                continue;
            }

            if (message.HistoryCount == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 2 && reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                message.HistoryOldestId = ReadLong(ref reader);
            }
        }
    }
}
