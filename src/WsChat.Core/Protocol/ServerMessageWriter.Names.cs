using System.Text.Json;

namespace WsChat.Core.Protocol;

internal static partial class ServerMessageWriter
{
    // ProtocolNames pre-encoded once, so the writer neither escapes nor checks them per message.
    private static class Names
    {
        public static readonly JsonEncodedText Type = JsonEncodedText.Encode(ProtocolNames.Type);
        public static readonly JsonEncodedText Ref = JsonEncodedText.Encode(ProtocolNames.Ref);
        public static readonly JsonEncodedText Room = JsonEncodedText.Encode(ProtocolNames.Room);
        public static readonly JsonEncodedText UserId = JsonEncodedText.Encode(ProtocolNames.UserId);
        public static readonly JsonEncodedText Username = JsonEncodedText.Encode(ProtocolNames.Username);
        public static readonly JsonEncodedText Session = JsonEncodedText.Encode(ProtocolNames.Session);
        public static readonly JsonEncodedText HeartbeatMs = JsonEncodedText.Encode(ProtocolNames.HeartbeatMs);
        public static readonly JsonEncodedText Users = JsonEncodedText.Encode(ProtocolNames.Users);
        public static readonly JsonEncodedText LastId = JsonEncodedText.Encode(ProtocolNames.LastId);
        public static readonly JsonEncodedText Recovered = JsonEncodedText.Encode(ProtocolNames.Recovered);
        public static readonly JsonEncodedText Id = JsonEncodedText.Encode(ProtocolNames.Id);
        public static readonly JsonEncodedText From = JsonEncodedText.Encode(ProtocolNames.From);
        public static readonly JsonEncodedText FromId = JsonEncodedText.Encode(ProtocolNames.FromId);
        public static readonly JsonEncodedText To = JsonEncodedText.Encode(ProtocolNames.To);
        public static readonly JsonEncodedText Text = JsonEncodedText.Encode(ProtocolNames.Text);
        public static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode(ProtocolNames.Timestamp);
        public static readonly JsonEncodedText User = JsonEncodedText.Encode(ProtocolNames.User);
        public static readonly JsonEncodedText Status = JsonEncodedText.Encode(ProtocolNames.Status);
        public static readonly JsonEncodedText DmField = JsonEncodedText.Encode(ProtocolNames.Dm);
        public static readonly JsonEncodedText Messages = JsonEncodedText.Encode(ProtocolNames.Messages);
        public static readonly JsonEncodedText HasMore = JsonEncodedText.Encode(ProtocolNames.HasMore);
        public static readonly JsonEncodedText Code = JsonEncodedText.Encode(ProtocolNames.Code);
        public static readonly JsonEncodedText MessageField = JsonEncodedText.Encode(ProtocolNames.Message);
        public static readonly JsonEncodedText RetryAfterMs = JsonEncodedText.Encode(ProtocolNames.RetryAfterMs);
        public static readonly JsonEncodedText ExpiresAt = JsonEncodedText.Encode(ProtocolNames.ExpiresAt);

        public static readonly JsonEncodedText Welcome = JsonEncodedText.Encode(ProtocolNames.TypeWelcome);
        public static readonly JsonEncodedText Joined = JsonEncodedText.Encode(ProtocolNames.TypeJoined);
        public static readonly JsonEncodedText Left = JsonEncodedText.Encode(ProtocolNames.TypeLeft);
        public static readonly JsonEncodedText Message = JsonEncodedText.Encode(ProtocolNames.TypeMessage);
        public static readonly JsonEncodedText Dm = JsonEncodedText.Encode(ProtocolNames.TypeDm);
        public static readonly JsonEncodedText Presence = JsonEncodedText.Encode(ProtocolNames.TypePresence);
        public static readonly JsonEncodedText Typing = JsonEncodedText.Encode(ProtocolNames.TypeTyping);
        public static readonly JsonEncodedText UsersType = JsonEncodedText.Encode(ProtocolNames.TypeUsers);
        public static readonly JsonEncodedText History = JsonEncodedText.Encode(ProtocolNames.TypeHistory);
        public static readonly JsonEncodedText Ack = JsonEncodedText.Encode(ProtocolNames.TypeAck);
        public static readonly JsonEncodedText ErrorType = JsonEncodedText.Encode(ProtocolNames.TypeError);
        public static readonly JsonEncodedText Pong = JsonEncodedText.Encode(ProtocolNames.TypePong);

        public static readonly JsonEncodedText Online = JsonEncodedText.Encode(ProtocolNames.StatusOnline);
        public static readonly JsonEncodedText Offline = JsonEncodedText.Encode(ProtocolNames.StatusOffline);

        // Indexed by ErrorCode; slot 0 (None) stays default and is refused by Error().
        private static readonly JsonEncodedText[] s_errors = CreateErrors();

        public static JsonEncodedText Error(ErrorCode code)
        {
            if (code == ErrorCode.None || (uint)code >= (uint)s_errors.Length)
                throw new ArgumentOutOfRangeException(nameof(code), code, "Not a protocol error code.");
            return s_errors[(int)code];
        }

        private static JsonEncodedText[] CreateErrors()
        {
            var errors = new JsonEncodedText[(int)ErrorCode.Internal + 1];
            foreach (ErrorCode code in ErrorCodes.All) errors[(int)code] = JsonEncodedText.Encode(ErrorCodes.Utf8Name(code));
            return errors;
        }
    }
}
