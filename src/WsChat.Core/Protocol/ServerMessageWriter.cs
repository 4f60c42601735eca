using System.Buffers;
using System.Text.Json;

namespace WsChat.Core.Protocol;

/// <summary>
/// Writes the server messages of PROTOCOL.md §4 as one JSON object each into an <see cref="IBufferWriter{T}"/>
/// (normally a <c>WsChat.Net.Buffers.SharedFrame</c>, sealed by the caller afterwards). Fields come in the
/// order of the §4 table and the §6 example, <c>ref</c> where §6 puts it.
/// </summary>
/// <remarks>
/// <para>Allocation-free after the first message on a thread: one <see cref="Utf8JsonWriter"/> per thread is
/// <c>Reset</c> for every message, and every name and type value is pre-encoded. Strings are UTF-8 spans
/// (valid UTF-8: what the reader and the auth code hand out); they are written as they are, escaping only
/// <c>"</c>, <c>\</c> and control characters (<see cref="MinimalJsonEncoder"/>). An empty <c>ref</c> is
/// omitted.</para>
/// <para>Thread-safe: any thread may write; the builders returned by <c>Begin…</c> use the thread's writer
/// until their <c>End</c>, so finish one message before starting another on the same thread.</para>
/// </remarks>
internal static partial class ServerMessageWriter
{
    private static readonly JsonWriterOptions s_options = new()
    {
        Encoder = MinimalJsonEncoder.Instance,
        Indented = false,
        // The writer's structural checks stay on: they cost little and turn a builder misuse into an
        // exception instead of a malformed frame.
        SkipValidation = false,
    };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary><c>{"type":"welcome","user_id","username","session","heartbeat_ms"}</c></summary>
    public static void WriteWelcome(IBufferWriter<byte> output, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> username, ReadOnlySpan<byte> session, int heartbeatMs)
    {
        Utf8JsonWriter w = Begin(output, Names.Welcome);
        w.WriteString(Names.UserId, userId);
        w.WriteString(Names.Username, username);
        w.WriteString(Names.Session, session);
        w.WriteNumber(Names.HeartbeatMs, heartbeatMs);
        End(w);
    }

    /// <summary><c>{"type":"left","room","ref"?}</c></summary>
    public static void WriteLeft(IBufferWriter<byte> output, ReadOnlySpan<byte> room, ReadOnlySpan<byte> @ref)
    {
        Utf8JsonWriter w = Begin(output, Names.Left);
        w.WriteString(Names.Room, room);
        WriteRef(w, @ref);
        End(w);
    }

    /// <summary><c>{"type":"message","room","id","from","from_id","text","timestamp"}</c> (§6 order).</summary>
    public static void WriteMessage(IBufferWriter<byte> output, ReadOnlySpan<byte> room, long id, ReadOnlySpan<byte> from, ReadOnlySpan<byte> fromId, ReadOnlySpan<byte> text, long timestamp)
    {
        Utf8JsonWriter w = Begin(output, Names.Message);
        WriteRoomMessageFields(w, room, id, from, fromId, text, timestamp);
        End(w);
    }

    /// <summary><c>{"type":"dm","id","from","from_id","to","text","timestamp"}</c></summary>
    public static void WriteDm(IBufferWriter<byte> output, long id, ReadOnlySpan<byte> from, ReadOnlySpan<byte> fromId, ReadOnlySpan<byte> to, ReadOnlySpan<byte> text, long timestamp)
    {
        Utf8JsonWriter w = Begin(output, Names.Dm);
        WriteDmFields(w, id, from, fromId, to, text, timestamp);
        End(w);
    }

    /// <summary><c>{"type":"presence","room","user","user_id","status":"online"|"offline"}</c></summary>
    public static void WritePresence(IBufferWriter<byte> output, ReadOnlySpan<byte> room, ReadOnlySpan<byte> user, ReadOnlySpan<byte> userId, bool online)
    {
        Utf8JsonWriter w = Begin(output, Names.Presence);
        WriteRoomUser(w, room, user, userId);
        w.WriteString(Names.Status, online ? Names.Online : Names.Offline);
        End(w);
    }

    /// <summary><c>{"type":"typing","room","user","user_id","status":bool}</c></summary>
    public static void WriteTyping(IBufferWriter<byte> output, ReadOnlySpan<byte> room, ReadOnlySpan<byte> user, ReadOnlySpan<byte> userId, bool status)
    {
        Utf8JsonWriter w = Begin(output, Names.Typing);
        WriteRoomUser(w, room, user, userId);
        w.WriteBoolean(Names.Status, status);
        End(w);
    }

    /// <summary><c>{"type":"ack","ref","id","room"}</c>: a room message was stored (§3, §6).</summary>
    public static void WriteAck(IBufferWriter<byte> output, ReadOnlySpan<byte> @ref, long id, ReadOnlySpan<byte> room)
    {
        Utf8JsonWriter w = BeginAck(output, @ref);
        w.WriteNumber(Names.Id, id);
        w.WriteString(Names.Room, room);
        End(w);
    }

    /// <summary>
    /// <c>{"type":"ack","ref","id","to"}</c>: a DM was stored. §4 lists <c>room</c> for ack; a DM has none, so
    /// its ack names the recipient in <c>to</c> instead (docs/decisions/protocol-parsing.md).
    /// </summary>
    public static void WriteDmAck(IBufferWriter<byte> output, ReadOnlySpan<byte> @ref, long id, ReadOnlySpan<byte> to)
    {
        Utf8JsonWriter w = BeginAck(output, @ref);
        w.WriteNumber(Names.Id, id);
        w.WriteString(Names.To, to);
        End(w);
    }

    /// <summary><c>{"type":"ack","ref"}</c>: a token refresh was accepted (§2).</summary>
    public static void WriteAck(IBufferWriter<byte> output, ReadOnlySpan<byte> @ref)
    {
        Utf8JsonWriter w = BeginAck(output, @ref);
        End(w);
    }

    /// <summary>
    /// <c>{"type":"ack","ref","expires_at"}</c>: a token refresh was accepted (§2); <c>expires_at</c> is the new
    /// token's <c>exp</c> in ms since the epoch, so a client knows when to refresh next (docs/protocol.md).
    /// </summary>
    public static void WriteAck(IBufferWriter<byte> output, ReadOnlySpan<byte> @ref, long expiresAtMs)
    {
        Utf8JsonWriter w = BeginAck(output, @ref);
        w.WriteNumber(Names.ExpiresAt, expiresAtMs);
        End(w);
    }

    /// <summary><c>{"type":"error","code","message","ref"?,"retry_after_ms"?}</c></summary>
    /// <param name="output">Where the message goes.</param>
    /// <param name="code">Any code of §4 but <see cref="ErrorCode.None"/>.</param>
    /// <param name="message">A short English explanation for the client.</param>
    /// <param name="ref">The <c>ref</c> of the message this answers; empty omits it.</param>
    /// <param name="retryAfterMs">Written when zero or more (with <c>rate_limited</c>); negative omits it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="code"/> is <see cref="ErrorCode.None"/>.</exception>
    public static void WriteError(IBufferWriter<byte> output, ErrorCode code, ReadOnlySpan<char> message, ReadOnlySpan<byte> @ref, int retryAfterMs = -1)
    {
        JsonEncodedText codeName = Names.Error(code);
        Utf8JsonWriter w = Begin(output, Names.ErrorType);
        w.WriteString(Names.Code, codeName);
        w.WriteString(Names.MessageField, message);
        WriteRef(w, @ref);
        if (retryAfterMs >= 0) w.WriteNumber(Names.RetryAfterMs, retryAfterMs);
        End(w);
    }

    /// <summary>Writes a reader refusal (<see cref="ProtocolError"/>) as an <c>error</c>.</summary>
    public static void WriteError(IBufferWriter<byte> output, in ProtocolError error, ReadOnlySpan<byte> @ref) =>
        WriteError(output, error.Code, error.Message, @ref);

    /// <summary>
    /// <c>{"type":"pong","ref"?}</c>. §4 lists no fields for pong; echoing the ping's <c>ref</c> lets a client
    /// match replies, and clients ignore fields they do not know.
    /// </summary>
    public static void WritePong(IBufferWriter<byte> output, ReadOnlySpan<byte> @ref)
    {
        Utf8JsonWriter w = Begin(output, Names.Pong);
        WriteRef(w, @ref);
        End(w);
    }

    private static Utf8JsonWriter Begin(IBufferWriter<byte> output, JsonEncodedText type)
    {
        Utf8JsonWriter? w = t_writer;
        if (w is null) t_writer = w = new Utf8JsonWriter(output, s_options);
        else w.Reset(output);
        w.WriteStartObject();
        w.WriteString(Names.Type, type);
        return w;
    }

    // Every ack answers a client request, so each starts with its ref (§4).
    private static Utf8JsonWriter BeginAck(IBufferWriter<byte> output, ReadOnlySpan<byte> @ref)
    {
        Utf8JsonWriter w = Begin(output, Names.Ack);
        WriteRef(w, @ref);
        return w;
    }

    // Presence and typing both say who (user, user_id) did something where (room), in that order (§4).
    private static void WriteRoomUser(Utf8JsonWriter w, ReadOnlySpan<byte> room, ReadOnlySpan<byte> user, ReadOnlySpan<byte> userId)
    {
        w.WriteString(Names.Room, room);
        w.WriteString(Names.User, user);
        w.WriteString(Names.UserId, userId);
    }

    private static void End(Utf8JsonWriter w)
    {
        w.WriteEndObject();
        w.Flush();
        // Drop the reference to the frame: a pooled frame must not stay reachable from a thread static.
        w.Reset(NullBufferWriter.Instance);
    }

    private static void WriteRef(Utf8JsonWriter w, ReadOnlySpan<byte> @ref)
    {
        if (!@ref.IsEmpty) w.WriteString(Names.Ref, @ref);
    }

    private static void WriteRoomMessageFields(Utf8JsonWriter w, ReadOnlySpan<byte> room, long id, ReadOnlySpan<byte> from, ReadOnlySpan<byte> fromId, ReadOnlySpan<byte> text, long timestamp)
    {
        w.WriteString(Names.Room, room);
        w.WriteNumber(Names.Id, id);
        w.WriteString(Names.From, from);
        w.WriteString(Names.FromId, fromId);
        w.WriteString(Names.Text, text);
        w.WriteNumber(Names.Timestamp, timestamp);
    }

    private static void WriteDmFields(Utf8JsonWriter w, long id, ReadOnlySpan<byte> from, ReadOnlySpan<byte> fromId, ReadOnlySpan<byte> to, ReadOnlySpan<byte> text, long timestamp)
    {
        w.WriteNumber(Names.Id, id);
        w.WriteString(Names.From, from);
        w.WriteString(Names.FromId, fromId);
        w.WriteString(Names.To, to);
        w.WriteString(Names.Text, text);
        w.WriteNumber(Names.Timestamp, timestamp);
    }

    private static void WriteUser(Utf8JsonWriter w, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> username)
    {
        w.WriteStartObject();
        w.WriteString(Names.UserId, userId);
        w.WriteString(Names.Username, username);
        w.WriteEndObject();
    }

    // The writer's parking place between messages: never written to.
    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count) => throw new InvalidOperationException("No message is being written.");

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException("No message is being written.");

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException("No message is being written.");
    }
}
