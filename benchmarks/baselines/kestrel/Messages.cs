using System.Text.Json.Serialization;

namespace KestrelChat;

/// <summary>Every client→server message (PROTOCOL.md §3); unused fields stay null.</summary>
public sealed class ClientMessage
{
    public string? Type { get; set; }
    public string? Ref { get; set; }
    public string? Room { get; set; }
    public string? Text { get; set; }
    public string? To { get; set; }
    public string? Dm { get; set; }
    public long? Since { get; set; }
    public long? Before { get; set; }
    public int? Limit { get; set; }
}

public sealed record UserInfo(string UserId, string Username);

public sealed record StoredMessage(long Id, string? Room, string From, string FromId, string? To, string Text, long Timestamp);

public sealed record WelcomeMessage(string UserId, string Username, string Session, int HeartbeatMs)
{
    public string Type => "welcome";
}

public sealed record JoinedMessage(string Room, IReadOnlyList<UserInfo> Users, long LastId, bool Recovered, string? Ref)
{
    public string Type => "joined";
}

public sealed record LeftMessage(string Room, string? Ref)
{
    public string Type => "left";
}

public sealed record PresenceMessage(string Room, string User, string UserId, string Status)
{
    public string Type => "presence";
}

public sealed record RoomChatMessage(string Room, long Id, string From, string FromId, string Text, long Timestamp)
{
    public string Type => "message";
}

public sealed record DirectMessage(long Id, string From, string FromId, string To, string Text, long Timestamp)
{
    public string Type => "dm";
}

public sealed record HistoryMessage(string? Room, string? Dm, IReadOnlyList<StoredMessage> Messages, bool HasMore, string? Ref)
{
    public string Type => "history";
}

public sealed record AckMessage(string? Ref, long Id, string? Room)
{
    public string Type => "ack";
}

public sealed record ErrorMessage(string Code, string Message, string? Ref)
{
    public string Type => "error";
}

public sealed record PongMessage(string? Ref)
{
    public string Type => "pong";
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClientMessage))]
[JsonSerializable(typeof(WelcomeMessage))]
[JsonSerializable(typeof(JoinedMessage))]
[JsonSerializable(typeof(LeftMessage))]
[JsonSerializable(typeof(PresenceMessage))]
[JsonSerializable(typeof(RoomChatMessage))]
[JsonSerializable(typeof(DirectMessage))]
[JsonSerializable(typeof(HistoryMessage))]
[JsonSerializable(typeof(AckMessage))]
[JsonSerializable(typeof(ErrorMessage))]
[JsonSerializable(typeof(PongMessage))]
internal sealed partial class ChatJsonContext : JsonSerializerContext;
