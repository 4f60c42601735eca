using System.Text.Encodings.Web;
using System.Text.Json;
using WsChat.Core.Protocol;
using WsChat.Core.Rooms;
using WsChat.Net.Buffers;

namespace WsChat.Core.Shards;

/// <summary>
/// Builds every server message the chat sends (PROTOCOL.md §4) as a sealed <see cref="SharedFrame"/>
/// holding one reference, ready to queue. One reused <see cref="Utf8JsonWriter"/> per thread.
/// </summary>
internal static class Frames
{
    // Byte-exact text (PROTOCOL.md §5): no HTML escaping, non-ASCII written as UTF-8.
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>How a room message starts on the wire; <see cref="ElementOf"/> drops it for history.</summary>
    public static ReadOnlySpan<byte> MessageTypePrefix => """{"type":"message","""u8;

    /// <summary>How a DM starts on the wire.</summary>
    public static ReadOnlySpan<byte> DmTypePrefix => """{"type":"dm","""u8;

    public static SharedFrame Message(string room, long id, string from, string fromId, ReadOnlySpan<byte> text, long timestamp)
    {
        SharedFrame frame = SharedFrame.Rent(96 + room.Length + from.Length + fromId.Length + text.Length);
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeMessage);
        w.WriteString(ProtocolNames.Room, room);
        w.WriteNumber(ProtocolNames.Id, id);
        w.WriteString(ProtocolNames.From, from);
        w.WriteString(ProtocolNames.FromId, fromId);
        w.WriteString(ProtocolNames.Text, text);
        w.WriteNumber(ProtocolNames.Timestamp, timestamp);
        return End(w, frame);
    }

    public static SharedFrame Dm(long id, string from, string fromId, string to, ReadOnlySpan<byte> text, long timestamp)
    {
        SharedFrame frame = SharedFrame.Rent(96 + to.Length + from.Length + fromId.Length + text.Length);
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeDm);
        w.WriteNumber(ProtocolNames.Id, id);
        w.WriteString(ProtocolNames.From, from);
        w.WriteString(ProtocolNames.FromId, fromId);
        w.WriteString(ProtocolNames.To, to);
        w.WriteString(ProtocolNames.Text, text);
        w.WriteNumber(ProtocolNames.Timestamp, timestamp);
        return End(w, frame);
    }

    /// <summary>
    /// The history form of a sealed message frame: its JSON object without the leading type member
    /// (<c>{"type":"message","room":…}</c> → <c>{"room":…}</c>), as a span of a reused thread buffer.
    /// </summary>
    public static ReadOnlySpan<byte> ElementOf(SharedFrame frame, ReadOnlySpan<byte> typePrefix)
    {
        ReadOnlySpan<byte> payload = frame.Payload;
        if (!payload.StartsWith(typePrefix)) throw new InvalidOperationException("A message frame must start with its type.");
        ReadOnlySpan<byte> rest = payload[typePrefix.Length..];
        byte[] scratch = t_element is { } e && e.Length > rest.Length ? e : (t_element = new byte[Math.Max(1024, rest.Length * 2)]);
        scratch[0] = (byte)'{';
        rest.CopyTo(scratch.AsSpan(1));
        return scratch.AsSpan(0, rest.Length + 1);
    }

    [ThreadStatic] private static byte[]? t_element;

    /// <summary>A message frame rebuilt from its history form (for a replay): the type put back in front.</summary>
    public static SharedFrame FromElement(ReadOnlySpan<byte> typePrefix, ReadOnlySpan<byte> element)
    {
        SharedFrame frame = SharedFrame.Rent(typePrefix.Length + element.Length);
        typePrefix.CopyTo(frame.GetSpan(typePrefix.Length));
        frame.Advance(typePrefix.Length);
        ReadOnlySpan<byte> rest = element[1..];
        rest.CopyTo(frame.GetSpan(rest.Length));
        frame.Advance(rest.Length);
        frame.Seal();
        return frame;
    }

    public static SharedFrame Joined(Room room, bool recovered, ReadOnlySpan<byte> clientRef)
    {
        SharedFrame frame = SharedFrame.Rent(128 + room.Members.Count * 48);
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeJoined);
        w.WriteString(ProtocolNames.Room, room.Name);
        WriteUsers(w, room);
        w.WriteNumber(ProtocolNames.LastId, room.LastId);
        w.WriteBoolean(ProtocolNames.Recovered, recovered);
        WriteRef(w, clientRef);
        return End(w, frame);
    }

    public static SharedFrame Users(Room room, ReadOnlySpan<byte> clientRef)
    {
        SharedFrame frame = SharedFrame.Rent(96 + room.Members.Count * 48);
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeUsers);
        w.WriteString(ProtocolNames.Room, room.Name);
        WriteUsers(w, room);
        WriteRef(w, clientRef);
        return End(w, frame);
    }

    public static SharedFrame Left(string room, ReadOnlySpan<byte> clientRef)
    {
        SharedFrame frame = SharedFrame.Rent();
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeLeft);
        w.WriteString(ProtocolNames.Room, room);
        WriteRef(w, clientRef);
        return End(w, frame);
    }

    public static SharedFrame Presence(string room, string user, string userId, bool online)
    {
        SharedFrame frame = SharedFrame.Rent();
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypePresence);
        w.WriteString(ProtocolNames.Room, room);
        w.WriteString(ProtocolNames.User, user);
        w.WriteString(ProtocolNames.UserId, userId);
        w.WriteString(ProtocolNames.Status, online ? ProtocolNames.StatusOnline : ProtocolNames.StatusOffline);
        return End(w, frame);
    }

    public static SharedFrame Typing(string room, string user, string userId, bool status)
    {
        SharedFrame frame = SharedFrame.Rent();
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeTyping);
        w.WriteString(ProtocolNames.Room, room);
        w.WriteString(ProtocolNames.User, user);
        w.WriteString(ProtocolNames.UserId, userId);
        w.WriteBoolean(ProtocolNames.Status, status);
        return End(w, frame);
    }

    /// <summary><c>history</c> of a room (or, with <paramref name="isDm"/>, a DM pair) from entries [start, end) of the ring.</summary>
    public static SharedFrame History(bool isDm, ReadOnlySpan<byte> target, MessageRing? history, int start, int end, bool hasMore, ReadOnlySpan<byte> clientRef)
    {
        int size = 96;
        for (int i = start; i < end; i++) size += history!.ElementAt(i).Length + 1;
        SharedFrame frame = SharedFrame.Rent(size);
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeHistory);
        w.WriteString(isDm ? ProtocolNames.Dm : ProtocolNames.Room, target);
        w.WriteStartArray(ProtocolNames.Messages);
        for (int i = start; i < end; i++)
        {
            w.WriteRawValue(history!.ElementAt(i), skipInputValidation: true);
        }

        w.WriteEndArray();
        w.WriteBoolean(ProtocolNames.HasMore, hasMore);
        WriteRef(w, clientRef);
        return End(w, frame);
    }

    public static SharedFrame Ack(ReadOnlySpan<byte> clientRef, long id, string room)
    {
        SharedFrame frame = SharedFrame.Rent();
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeAck);
        WriteRef(w, clientRef);
        w.WriteNumber(ProtocolNames.Id, id);
        w.WriteString(ProtocolNames.Room, room);
        return End(w, frame);
    }

    /// <summary>The ack of a DM: <c>dm</c> (the recipient) in place of <c>room</c> (docs/protocol.md).</summary>
    public static SharedFrame AckDm(ReadOnlySpan<byte> clientRef, long id, string to)
    {
        SharedFrame frame = SharedFrame.Rent();
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeAck);
        WriteRef(w, clientRef);
        w.WriteNumber(ProtocolNames.Id, id);
        w.WriteString(ProtocolNames.Dm, to);
        return End(w, frame);
    }

    /// <summary>The ack of a token refresh: <c>expires_at</c> (ms since the epoch) of the new token.</summary>
    public static SharedFrame AckAuth(ReadOnlySpan<byte> clientRef, long expiresAtMs)
    {
        SharedFrame frame = SharedFrame.Rent();
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeAck);
        WriteRef(w, clientRef);
        w.WriteNumber("expires_at"u8, expiresAtMs);
        return End(w, frame);
    }

    public static SharedFrame Error(ErrorCode code, string message, ReadOnlySpan<byte> clientRef, long retryAfterMs = -1)
    {
        SharedFrame frame = SharedFrame.Rent();
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeError);
        w.WriteString(ProtocolNames.Code, ErrorCodes.Utf8Name(code));
        w.WriteString(ProtocolNames.Message, message);
        WriteRef(w, clientRef);
        if (retryAfterMs >= 0) w.WriteNumber(ProtocolNames.RetryAfterMs, retryAfterMs);
        return End(w, frame);
    }

    public static SharedFrame Welcome(string userId, string username, long session, long heartbeatMs)
    {
        SharedFrame frame = SharedFrame.Rent();
        Utf8JsonWriter w = Start(frame, ProtocolNames.TypeWelcome);
        w.WriteString(ProtocolNames.UserId, userId);
        w.WriteString(ProtocolNames.Username, username);
        Span<byte> id = stackalloc byte[21];
        id[0] = (byte)'c';
        session.TryFormat(id[1..], out int digits, provider: System.Globalization.CultureInfo.InvariantCulture);
        w.WriteString(ProtocolNames.Session, id[..(digits + 1)]);
        w.WriteNumber(ProtocolNames.HeartbeatMs, heartbeatMs);
        return End(w, frame);
    }

    public static SharedFrame Pong()
    {
        SharedFrame frame = SharedFrame.Rent();
        return End(Start(frame, ProtocolNames.TypePong), frame);
    }

    private static void WriteUsers(Utf8JsonWriter w, Room room)
    {
        w.WriteStartArray(ProtocolNames.Users);
        foreach (RoomUser user in room.Users)
        {
            w.WriteStartObject();
            w.WriteString(ProtocolNames.UserId, user.UserId);
            w.WriteString(ProtocolNames.Username, user.Username);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteRef(Utf8JsonWriter w, ReadOnlySpan<byte> clientRef)
    {
        if (!clientRef.IsEmpty) w.WriteString(ProtocolNames.Ref, clientRef);
    }

    private static Utf8JsonWriter Start(SharedFrame frame, ReadOnlySpan<byte> type)
    {
        Utf8JsonWriter w = t_writer ??= new Utf8JsonWriter(frame, s_options);
        w.Reset(frame);
        w.WriteStartObject();
        w.WriteString(ProtocolNames.Type, type);
        return w;
    }

    private static SharedFrame End(Utf8JsonWriter w, SharedFrame frame)
    {
        w.WriteEndObject();
        w.Flush();
        w.Reset(NullWriter.Instance);     // drop the frame reference: it goes back to the pool
        frame.Seal();
        return frame;
    }

    private sealed class NullWriter : System.Buffers.IBufferWriter<byte>
    {
        public static readonly NullWriter Instance = new();

        public void Advance(int count) { }

        public Memory<byte> GetMemory(int sizeHint = 0) => Array.Empty<byte>();

        public Span<byte> GetSpan(int sizeHint = 0) => [];
    }
}
