using System.Buffers;
using System.Text.Json;
using WsChat.Core.Protocol;

namespace WsChat.Core.Client;

/// <summary>
/// Encodes the client messages of PROTOCOL.md §3, one JSON object each, <c>type</c> first and <c>ref</c> last (as in
/// the §6 example). Each call returns the exact bytes as a new array: the client keeps a message's bytes until its
/// reply arrives, to send them again unchanged after a reconnect (same <c>ref</c>: the server's dedup key).
/// </summary>
/// <remarks>Strings are escaped only where JSON requires (<see cref="MinimalJsonEncoder"/>), so text reaches the
/// server byte-exact; a lone UTF-16 surrogate cannot be sent as UTF-8 and becomes U+FFFD. Thread-safe: one writer
/// and scratch buffer per thread.</remarks>
internal static class ClientMessageWriter
{
    private static readonly JsonWriterOptions s_options = new() { Encoder = MinimalJsonEncoder.Instance, Indented = false };

    // A scratch buffer over 16 KiB (a long text) is not kept per thread.
    private const int MaxKeptScratch = 16 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary><c>{"type":"auth","token","ref"}</c> (§2: first message, or a refresh).</summary>
    public static byte[] Auth(string token, string @ref)
    {
        Utf8JsonWriter w = Begin(ProtocolNames.TypeAuth);
        w.WriteString(ProtocolNames.Token, token);
        return End(w, @ref);
    }

    /// <summary><c>{"type":"join","room","since"?,"ref"}</c></summary>
    public static byte[] Join(string room, long? since, string @ref)
    {
        Utf8JsonWriter w = Begin(ProtocolNames.TypeJoin);
        w.WriteString(ProtocolNames.Room, room);
        if (since is { } s) w.WriteNumber(ProtocolNames.Since, s);
        return End(w, @ref);
    }

    /// <summary><c>{"type":"leave","room","ref"}</c></summary>
    public static byte[] Leave(string room, string @ref)
    {
        Utf8JsonWriter w = Begin(ProtocolNames.TypeLeave);
        w.WriteString(ProtocolNames.Room, room);
        return End(w, @ref);
    }

    /// <summary><c>{"type":"message","room","text","ref"}</c></summary>
    public static byte[] Message(string room, string text, string @ref)
    {
        Utf8JsonWriter w = Begin(ProtocolNames.TypeMessage);
        w.WriteString(ProtocolNames.Room, room);
        w.WriteString(ProtocolNames.Text, text);
        return End(w, @ref);
    }

    /// <summary><c>{"type":"dm","to","text","ref"}</c></summary>
    public static byte[] Dm(string to, string text, string @ref)
    {
        Utf8JsonWriter w = Begin(ProtocolNames.TypeDm);
        w.WriteString(ProtocolNames.To, to);
        w.WriteString(ProtocolNames.Text, text);
        return End(w, @ref);
    }

    /// <summary><c>{"type":"typing","room","status"}</c>: no <c>ref</c>, nothing answers it but an error.</summary>
    public static byte[] Typing(string room, bool status)
    {
        Utf8JsonWriter w = Begin(ProtocolNames.TypeTyping);
        w.WriteString(ProtocolNames.Room, room);
        w.WriteBoolean(ProtocolNames.Status, status);
        return End(w, null);
    }

    /// <summary><c>{"type":"list_users","room","ref"}</c></summary>
    public static byte[] ListUsers(string room, string @ref)
    {
        Utf8JsonWriter w = Begin(ProtocolNames.TypeListUsers);
        w.WriteString(ProtocolNames.Room, room);
        return End(w, @ref);
    }

    /// <summary><c>{"type":"history","room"|"dm","before"?,"limit"?,"ref"}</c>: exactly one of room and dm.</summary>
    public static byte[] History(string? room, string? dmUserId, long? before, int? limit, string @ref)
    {
        Utf8JsonWriter w = Begin(ProtocolNames.TypeHistory);
        if (room is not null) w.WriteString(ProtocolNames.Room, room);
        else w.WriteString(ProtocolNames.Dm, dmUserId);
        if (before is { } b) w.WriteNumber(ProtocolNames.Before, b);
        if (limit is { } l) w.WriteNumber(ProtocolNames.Limit, l);
        return End(w, @ref);
    }

    /// <summary><c>{"type":"ping","ref"?}</c> (the server's <c>pong</c> echoes the ref: docs/protocol.md decision 23).</summary>
    public static byte[] Ping(string? @ref) => End(Begin(ProtocolNames.TypePing), @ref);

    private static Utf8JsonWriter Begin(ReadOnlySpan<byte> type)
    {
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        Utf8JsonWriter? w = t_writer;
        if (w is null) t_writer = w = new Utf8JsonWriter(buffer, s_options);
        else w.Reset(buffer);
        w.WriteStartObject();
        w.WriteString(ProtocolNames.Type, type);
        return w;
    }

    private static byte[] End(Utf8JsonWriter w, string? @ref)
    {
        if (@ref is not null) w.WriteString(ProtocolNames.Ref, @ref);
        w.WriteEndObject();
        w.Flush();
        ArrayBufferWriter<byte> buffer = t_buffer!;
        byte[] bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > MaxKeptScratch) t_buffer = null;
        return bytes;
    }
}
