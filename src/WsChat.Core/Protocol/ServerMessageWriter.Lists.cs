using System.Buffers;
using System.Text.Json;

namespace WsChat.Core.Protocol;

internal static partial class ServerMessageWriter
{
    /// <summary>Starts <c>{"type":"joined","room","users":[…],"last_id","recovered","ref"?}</c>: add each member, then <see cref="JoinedBuilder.End"/>.</summary>
    public static JoinedBuilder BeginJoined(IBufferWriter<byte> output, ReadOnlySpan<byte> room)
    {
        Utf8JsonWriter w = Begin(output, Names.Joined);
        w.WriteString(Names.Room, room);
        w.WriteStartArray(Names.Users);
        return new JoinedBuilder(w);
    }

    /// <summary>Starts <c>{"type":"users","room","users":[…],"ref"?}</c>: add each member, then <see cref="UsersBuilder.End"/>.</summary>
    public static UsersBuilder BeginUsers(IBufferWriter<byte> output, ReadOnlySpan<byte> room)
    {
        Utf8JsonWriter w = Begin(output, Names.UsersType);
        w.WriteString(Names.Room, room);
        w.WriteStartArray(Names.Users);
        return new UsersBuilder(w);
    }

    /// <summary>Starts <c>{"type":"history","room","messages":[…],"has_more","ref"?}</c> of a room: add each message (oldest first), then End.</summary>
    public static HistoryBuilder BeginRoomHistory(IBufferWriter<byte> output, ReadOnlySpan<byte> room)
    {
        Utf8JsonWriter w = Begin(output, Names.History);
        w.WriteString(Names.Room, room);
        w.WriteStartArray(Names.Messages);
        return new HistoryBuilder(w, room);
    }

    /// <summary>Starts <c>{"type":"history","dm","messages":[…],"has_more","ref"?}</c> of the DMs with user <paramref name="otherUserId"/>.</summary>
    public static HistoryBuilder BeginDmHistory(IBufferWriter<byte> output, ReadOnlySpan<byte> otherUserId)
    {
        Utf8JsonWriter w = Begin(output, Names.History);
        w.WriteString(Names.DmField, otherUserId);
        w.WriteStartArray(Names.Messages);
        return new HistoryBuilder(w, default);
    }

    /// <summary>Writes the <c>users</c> array of a <c>joined</c> message, then its tail. Use once, on the thread that began it.</summary>
    internal readonly ref struct JoinedBuilder
    {
        private readonly Utf8JsonWriter _writer;

        internal JoinedBuilder(Utf8JsonWriter writer) => _writer = writer;

        public void AddUser(ReadOnlySpan<byte> userId, ReadOnlySpan<byte> username) => WriteUser(_writer, userId, username);

        /// <param name="lastId">Newest message id in the room, 0 if none.</param>
        /// <param name="recovered">With <c>since</c>: every missed message was replayed (§3, §5).</param>
        /// <param name="ref">The join's <c>ref</c>; empty omits it.</param>
        public void End(long lastId, bool recovered, ReadOnlySpan<byte> @ref)
        {
            _writer.WriteEndArray();
            _writer.WriteNumber(Names.LastId, lastId);
            _writer.WriteBoolean(Names.Recovered, recovered);
            WriteRef(_writer, @ref);
            ServerMessageWriter.End(_writer);
        }
    }

    /// <summary>Writes the <c>users</c> array of a <c>users</c> message, then its tail. Use once, on the thread that began it.</summary>
    internal readonly ref struct UsersBuilder
    {
        private readonly Utf8JsonWriter _writer;

        internal UsersBuilder(Utf8JsonWriter writer) => _writer = writer;

        public void AddUser(ReadOnlySpan<byte> userId, ReadOnlySpan<byte> username) => WriteUser(_writer, userId, username);

        public void End(ReadOnlySpan<byte> @ref)
        {
            _writer.WriteEndArray();
            WriteRef(_writer, @ref);
            ServerMessageWriter.End(_writer);
        }
    }

    /// <summary>
    /// Writes the <c>messages</c> array of a <c>history</c> message: §4 <c>message</c> or <c>dm</c> objects
    /// without <c>type</c>, then the tail. Use once, on the thread that began it.
    /// </summary>
    internal readonly ref struct HistoryBuilder
    {
        private readonly Utf8JsonWriter _writer;
        private readonly ReadOnlySpan<byte> _room;

        internal HistoryBuilder(Utf8JsonWriter writer, ReadOnlySpan<byte> room)
        {
            _writer = writer;
            _room = room;
        }

        /// <summary>A room message: <c>{"room","id","from","from_id","text","timestamp"}</c>.</summary>
        public void AddMessage(long id, ReadOnlySpan<byte> from, ReadOnlySpan<byte> fromId, ReadOnlySpan<byte> text, long timestamp)
        {
            _writer.WriteStartObject();
            WriteRoomMessageFields(_writer, _room, id, from, fromId, text, timestamp);
            _writer.WriteEndObject();
        }

        /// <summary>A DM: <c>{"id","from","from_id","to","text","timestamp"}</c>.</summary>
        public void AddDm(long id, ReadOnlySpan<byte> from, ReadOnlySpan<byte> fromId, ReadOnlySpan<byte> to, ReadOnlySpan<byte> text, long timestamp)
        {
            _writer.WriteStartObject();
            WriteDmFields(_writer, id, from, fromId, to, text, timestamp);
            _writer.WriteEndObject();
        }

        /// <summary>
        /// A message already encoded as a history item (a §4 object without <c>type</c>), copied as it is: the
        /// chat keeps its recent messages in that form so that a history reply re-encodes nothing.
        /// </summary>
        public void AddRaw(ReadOnlySpan<byte> item) => _writer.WriteRawValue(item, skipInputValidation: true);

        /// <param name="hasMore">True when older messages exist before the first one written.</param>
        /// <param name="ref">The request's <c>ref</c>; empty omits it.</param>
        public void End(bool hasMore, ReadOnlySpan<byte> @ref)
        {
            _writer.WriteEndArray();
            _writer.WriteBoolean(Names.HasMore, hasMore);
            WriteRef(_writer, @ref);
            ServerMessageWriter.End(_writer);
        }
    }
}
