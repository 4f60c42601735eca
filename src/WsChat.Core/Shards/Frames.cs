using System.Globalization;
using WsChat.Core.Protocol;
using WsChat.Core.Rooms;
using WsChat.Net.Buffers;

namespace WsChat.Core.Shards;

/// <summary>
/// Every server message the chat sends (PROTOCOL.md §4) as a sealed <see cref="SharedFrame"/> holding
/// one reference, ready to queue: <see cref="ServerMessageWriter"/> writes the JSON into the frame.
/// </summary>
/// <remarks>Allocation-free once the frame pool and the thread's writer are warm. Thread-safe.</remarks>
internal static class Frames
{
    [ThreadStatic] private static byte[]? t_element;

    /// <summary>How a room message starts on the wire; <see cref="ElementOf"/> drops it for history.</summary>
    public static ReadOnlySpan<byte> MessageTypePrefix => """{"type":"message","""u8;

    /// <summary>How a DM starts on the wire.</summary>
    public static ReadOnlySpan<byte> DmTypePrefix => """{"type":"dm","""u8;

    public static SharedFrame Message(ReadOnlySpan<byte> room, long id, ReadOnlySpan<byte> from, ReadOnlySpan<byte> fromId, ReadOnlySpan<byte> text, long timestamp)
    {
        SharedFrame frame = SharedFrame.Rent(96 + room.Length + from.Length + fromId.Length + text.Length);
        ServerMessageWriter.WriteMessage(frame, room, id, from, fromId, text, timestamp);
        return Seal(frame);
    }

    public static SharedFrame Dm(long id, ReadOnlySpan<byte> from, ReadOnlySpan<byte> fromId, ReadOnlySpan<byte> to, ReadOnlySpan<byte> text, long timestamp)
    {
        SharedFrame frame = SharedFrame.Rent(96 + to.Length + from.Length + fromId.Length + text.Length);
        ServerMessageWriter.WriteDm(frame, id, from, fromId, to, text, timestamp);
        return Seal(frame);
    }

    /// <summary>
    /// The history form of a sealed message frame: its JSON object without the leading type member
    /// (<c>{"type":"message","room":…}</c> → <c>{"room":…}</c>), in a reused per-thread buffer.
    /// </summary>
    /// <exception cref="InvalidOperationException">The frame does not start with <paramref name="typePrefix"/>.</exception>
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

    /// <summary>A message frame rebuilt from its history form (for a replay): the type put back in front.</summary>
    public static SharedFrame FromElement(ReadOnlySpan<byte> typePrefix, ReadOnlySpan<byte> element)
    {
        SharedFrame frame = SharedFrame.Rent(typePrefix.Length + element.Length);
        typePrefix.CopyTo(frame.GetSpan(typePrefix.Length));
        frame.Advance(typePrefix.Length);
        ReadOnlySpan<byte> rest = element[1..];
        rest.CopyTo(frame.GetSpan(rest.Length));
        frame.Advance(rest.Length);
        return Seal(frame);
    }

    /// <summary>A frame of a message another node encoded (the backplane carries the wire JSON).</summary>
    public static SharedFrame FromPayload(ReadOnlySpan<byte> payload)
    {
        SharedFrame frame = SharedFrame.Rent(payload.Length);
        payload.CopyTo(frame.GetSpan(payload.Length));
        frame.Advance(payload.Length);
        return Seal(frame);
    }

    public static SharedFrame Joined(Room room, bool recovered, ReadOnlySpan<byte> clientRef)
    {
        SharedFrame frame = SharedFrame.Rent(128 + room.Members.Count * 48);
        ServerMessageWriter.JoinedBuilder builder = ServerMessageWriter.BeginJoined(frame, room.NameUtf8);
        foreach (RoomUser user in room.Users) builder.AddUser(user.UserIdUtf8, user.UsernameUtf8);
        if (room.Link is { } link)
        {
            // Several nodes: the users connected elsewhere too (issue 8).
            foreach ((string id, Backplane.RemoteUser remote) in link.RemoteUsers)
                if (!room.HasUserId(id)) builder.AddUser(remote.UserIdUtf8, remote.UsernameUtf8);
        }

        // With storage, the newest stored id: messages still being stored are not in the room yet.
        builder.End(room.Storage?.CommittedId ?? room.LastId, recovered, clientRef);
        return Seal(frame);
    }

    public static SharedFrame Users(Room room, ReadOnlySpan<byte> clientRef)
    {
        SharedFrame frame = SharedFrame.Rent(96 + room.Members.Count * 48);
        ServerMessageWriter.UsersBuilder builder = ServerMessageWriter.BeginUsers(frame, room.NameUtf8);
        foreach (RoomUser user in room.Users) builder.AddUser(user.UserIdUtf8, user.UsernameUtf8);
        if (room.Link is { } link)
        {
            foreach ((string id, Backplane.RemoteUser remote) in link.RemoteUsers)
                if (!room.HasUserId(id)) builder.AddUser(remote.UserIdUtf8, remote.UsernameUtf8);
        }
        builder.End(clientRef);
        return Seal(frame);
    }

    public static SharedFrame Left(ReadOnlySpan<byte> room, ReadOnlySpan<byte> clientRef)
    {
        SharedFrame frame = SharedFrame.Rent();
        ServerMessageWriter.WriteLeft(frame, room, clientRef);
        return Seal(frame);
    }

    public static SharedFrame Presence(ReadOnlySpan<byte> room, ReadOnlySpan<byte> user, ReadOnlySpan<byte> userId, bool online)
    {
        SharedFrame frame = SharedFrame.Rent();
        ServerMessageWriter.WritePresence(frame, room, user, userId, online);
        return Seal(frame);
    }

    public static SharedFrame Typing(ReadOnlySpan<byte> room, ReadOnlySpan<byte> user, ReadOnlySpan<byte> userId, bool status)
    {
        SharedFrame frame = SharedFrame.Rent();
        ServerMessageWriter.WriteTyping(frame, room, user, userId, status);
        return Seal(frame);
    }

    /// <summary><c>history</c> of a room (or, with <paramref name="isDm"/>, a DM pair) from entries [start, end) of the ring.</summary>
    public static SharedFrame History(bool isDm, ReadOnlySpan<byte> target, MessageRing? history, int start, int end, bool hasMore, ReadOnlySpan<byte> clientRef)
    {
        int size = 96 + target.Length;
        for (int i = start; i < end; i++) size += history!.ElementAt(i).Length + 1;
        SharedFrame frame = SharedFrame.Rent(size);
        ServerMessageWriter.HistoryBuilder builder = isDm ? ServerMessageWriter.BeginDmHistory(frame, target) : ServerMessageWriter.BeginRoomHistory(frame, target);
        for (int i = start; i < end; i++) builder.AddRaw(history!.ElementAt(i));
        builder.End(hasMore, clientRef);
        return Seal(frame);
    }

    public static SharedFrame Ack(ReadOnlySpan<byte> clientRef, long id, ReadOnlySpan<byte> room)
    {
        SharedFrame frame = SharedFrame.Rent();
        ServerMessageWriter.WriteAck(frame, clientRef, id, room);
        return Seal(frame);
    }

    /// <summary>The ack of a DM: <c>to</c> (the recipient) in place of <c>room</c>.</summary>
    public static SharedFrame AckDm(ReadOnlySpan<byte> clientRef, long id, ReadOnlySpan<byte> to)
    {
        SharedFrame frame = SharedFrame.Rent();
        ServerMessageWriter.WriteDmAck(frame, clientRef, id, to);
        return Seal(frame);
    }

    /// <summary>The ack of a token refresh, with the new token's <c>exp</c> (ms since the epoch).</summary>
    public static SharedFrame AckAuth(ReadOnlySpan<byte> clientRef, long expiresAtMs)
    {
        SharedFrame frame = SharedFrame.Rent();
        ServerMessageWriter.WriteAck(frame, clientRef, expiresAtMs);
        return Seal(frame);
    }

    public static SharedFrame Error(ErrorCode code, string message, ReadOnlySpan<byte> clientRef, int retryAfterMs = -1)
    {
        SharedFrame frame = SharedFrame.Rent();
        ServerMessageWriter.WriteError(frame, code, message, clientRef, retryAfterMs);
        return Seal(frame);
    }

    /// <summary><c>welcome</c>; the session is the connection id as <c>c{id}</c> (PROTOCOL.md §6).</summary>
    public static SharedFrame Welcome(ReadOnlySpan<byte> userId, ReadOnlySpan<byte> username, long connectionId, int heartbeatMs)
    {
        SharedFrame frame = SharedFrame.Rent();
        Span<byte> session = stackalloc byte[21];
        session[0] = (byte)'c';
        connectionId.TryFormat(session[1..], out int digits, provider: CultureInfo.InvariantCulture);
        ServerMessageWriter.WriteWelcome(frame, userId, username, session[..(digits + 1)], heartbeatMs);
        return Seal(frame);
    }

    public static SharedFrame Pong(ReadOnlySpan<byte> clientRef)
    {
        SharedFrame frame = SharedFrame.Rent();
        ServerMessageWriter.WritePong(frame, clientRef);
        return Seal(frame);
    }

    private static SharedFrame Seal(SharedFrame frame)
    {
        frame.Seal();
        return frame;
    }
}
