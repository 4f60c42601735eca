namespace WsChat.Core.Client;

/// <summary>
/// One server message as parsed by <see cref="ServerMessageParser"/>: the union of the fields of PROTOCOL.md §4,
/// null (or 0) when absent. The receive loop reuses one instance for every message of a client; whatever outlives
/// the message (strings, the lists) is handed out and replaced, never cleared in place.
/// </summary>
internal sealed class ServerMessage
{
    public ServerMessageKind Kind;
    public string? Ref;
    public string? Room;
    public string? Dm;               // history of a DM pair: the other user's id
    public long? Id;
    public string? From;
    public string? FromId;
    public string? To;
    public string? Text;
    public long? Timestamp;
    public string? User;
    public string? UserId;
    public string? Username;
    public string? Session;
    public int? HeartbeatMs;
    public long? LastId;
    public bool? Recovered;
    public bool? HasMore;
    public string? StatusText;       // presence: online/offline
    public bool? StatusBool;         // typing
    public string? Code;
    public string? ErrorMessage;
    public int? RetryAfterMs;
    public long? ExpiresAt;          // ack of a token refresh (docs/protocol.md decision 22)
    public List<ChatMember>? Users;
    public List<ChatMessage>? RoomMessages;          // history of a room
    public List<ChatDirectMessage>? DirectMessages;  // history of a DM pair

    public void Reset()
    {
        Kind = ServerMessageKind.Unknown;
        Ref = Room = Dm = From = FromId = To = Text = User = UserId = Username = Session = StatusText = Code = ErrorMessage = null;
        Id = Timestamp = LastId = ExpiresAt = null;
        HeartbeatMs = RetryAfterMs = null;
        Recovered = HasMore = StatusBool = null;
        Users = null;
        RoomMessages = null;
        DirectMessages = null;
    }
}
