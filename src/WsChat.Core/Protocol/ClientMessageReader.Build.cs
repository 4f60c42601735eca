namespace WsChat.Core.Protocol;

internal static partial class ClientMessageReader
{
    // Checks the fields the type defines (PROTOCOL.md §3) and copies them into cmd; the rest are ignored.
    private static bool Build(scoped ref Fields fields, int maxTextLength, out ClientCommand cmd, out ProtocolError error)
    {
        cmd = default;
        switch (fields.Type)
        {
            case CommandType.Auth:
                return RequireString(in fields.Token, "missing field 'token'", "field 'token' must be a non-empty string", out cmd.Token, out error);
            case CommandType.Join:
                return RequireRoom(in fields.Room, out cmd.Room, out error)
                    && OptionalId(in fields.Since, "field 'since' must be a non-negative 64-bit integer", out cmd.Since, out error);
            case CommandType.Leave:
            case CommandType.ListUsers:
                return RequireRoom(in fields.Room, out cmd.Room, out error);
            case CommandType.Message:
                return RequireRoom(in fields.Room, out cmd.Room, out error)
                    && RequireText(in fields.Text, maxTextLength, out cmd.Text, out error);
            case CommandType.Dm:
                return RequireUserId(in fields.To, "missing field 'to'", "field 'to' must be a user id of 1 to 256 characters", out cmd.To, out error)
                    && RequireText(in fields.Text, maxTextLength, out cmd.Text, out error);
            case CommandType.Typing:
                return RequireRoom(in fields.Room, out cmd.Room, out error)
                    && RequireBool(in fields.Status, out cmd.TypingStatus, out error);
            case CommandType.History:
                return ReadHistory(ref fields, out cmd, out error);
            case CommandType.Ping:
                error = default;
                return true;
            default:
                return Fail(out error, fields.TypeKind switch
                {
                    ValueKind.Absent => "missing field 'type'",
                    ValueKind.String => "unknown type",
                    _ => "field 'type' must be a string",
                });
        }
    }

    private static bool ReadHistory(scoped ref Fields fields, out ClientCommand cmd, out ProtocolError error)
    {
        cmd = default;
        // §3: a history is of a room or (with "dm") of a DM pair, never both.
        bool hasRoom = fields.Room.Kind != ValueKind.Absent, hasDm = fields.Dm.Kind != ValueKind.Absent;
        if (hasRoom == hasDm) return Fail(out error, hasRoom ? "history takes 'room' or 'dm', not both" : "missing field 'room' (or 'dm')");
        bool target = hasRoom
            ? RequireRoom(in fields.Room, out cmd.Room, out error)
            : RequireUserId(in fields.Dm, "missing field 'dm'", "field 'dm' must be a user id of 1 to 256 characters", out cmd.Dm, out error);
        if (!target) return false;
        if (!OptionalId(in fields.Before, "field 'before' must be a non-negative 64-bit integer", out cmd.Before, out error)) return false;

        switch (fields.Limit.Kind)
        {
            case ValueKind.Absent or ValueKind.Null:
                cmd.Limit = null;
                return true;
            case ValueKind.Integer when fields.Limit.Integer is >= 1 and <= ProtocolLimits.MaxHistoryLimit:
                cmd.Limit = (int)fields.Limit.Integer;
                return true;
            default:
                return Fail(out error, "field 'limit' must be an integer from 1 to 100");
        }
    }

    private static bool RequireRoom(scoped in FieldValue value, out ReadOnlySpan<byte> room, out ProtocolError error)
    {
        if (!RequireString(in value, "missing field 'room'", "field 'room' must be a string", out room, out error)) return false;
        if (ProtocolLimits.IsValidRoomName(room)) return true;
        room = default;
        return Fail(out error, "room names are 1 to 64 characters from A-Z a-z 0-9 _ . : -");
    }

    private static bool RequireText(scoped in FieldValue value, int maxTextLength, out ReadOnlySpan<byte> text, out ProtocolError error)
    {
        if (!RequireString(in value, "missing field 'text'", "field 'text' must be a non-empty string", out text, out error)) return false;
        if (Utf8Text.HasAtMostCodePoints(text, maxTextLength)) return true;
        text = default;
        // §5: an over-long text is too_large, not bad_request.
        error = new ProtocolError(ErrorCode.TooLarge, "text is longer than the server's limit");
        return false;
    }

    private static bool RequireUserId(scoped in FieldValue value, string missing, string invalid, out ReadOnlySpan<byte> userId, out ProtocolError error)
    {
        if (!RequireString(in value, missing, invalid, out userId, out error)) return false;
        if (Utf8Text.HasAtMostCodePoints(userId, ProtocolLimits.MaxUserIdLength)) return true;
        userId = default;
        return Fail(out error, invalid);
    }

    // A present, non-empty string (empty strings are never valid for the fields that use this).
    private static bool RequireString(scoped in FieldValue value, string missing, string wrongType, out ReadOnlySpan<byte> utf8, out ProtocolError error)
    {
        utf8 = default;
        if (value.Kind == ValueKind.Absent) return Fail(out error, missing);
        if (value.Kind == ValueKind.BadString) return Fail(out error, InvalidUnicode);
        if (value.Kind != ValueKind.String || value.Utf8.IsEmpty) return Fail(out error, wrongType);
        utf8 = value.Utf8;
        error = default;
        return true;
    }

    private static bool RequireBool(scoped in FieldValue value, out bool status, out ProtocolError error)
    {
        status = value.Kind == ValueKind.True;
        if (value.Kind is ValueKind.True or ValueKind.False)
        {
            error = default;
            return true;
        }

        return Fail(out error, value.Kind == ValueKind.Absent ? "missing field 'status'" : "field 'status' must be true or false");
    }

    // Message ids (since, before): optional, null means absent, otherwise an integer in 0..long.MaxValue.
    private static bool OptionalId(scoped in FieldValue value, string invalid, out long? id, out ProtocolError error)
    {
        id = null;
        error = default;
        switch (value.Kind)
        {
            case ValueKind.Absent or ValueKind.Null:
                return true;
            case ValueKind.Integer when value.Integer >= 0:
                id = value.Integer;
                return true;
            default:
                return Fail(out error, invalid);
        }
    }
}
