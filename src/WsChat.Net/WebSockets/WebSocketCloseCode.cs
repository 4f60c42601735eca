namespace WsChat.Net.WebSockets;

/// <summary>
/// Close status codes of RFC 6455 §7.4.1. Values are the wire values; any other <see cref="ushort"/>
/// in 3000-4999 (registered and private-use codes) may also appear cast to this type.
/// </summary>
public enum WebSocketCloseCode : ushort
{
    /// <summary>No error / no code: never sent on the wire.</summary>
    None = 0,
    /// <summary>1000: the purpose of the connection is fulfilled.</summary>
    NormalClosure = 1000,
    /// <summary>1001: the endpoint goes away (server shutdown, page navigated away).</summary>
    GoingAway = 1001,
    /// <summary>1002: the peer broke RFC 6455.</summary>
    ProtocolError = 1002,
    /// <summary>1003: a message of a type the endpoint cannot accept (binary on a text-only endpoint).</summary>
    UnsupportedData = 1003,
    /// <summary>1005: reserved; reports a close frame without a code. Never sent on the wire.</summary>
    NoStatusReceived = 1005,
    /// <summary>1006: reserved; reports a connection lost without a close frame. Never sent on the wire.</summary>
    AbnormalClosure = 1006,
    /// <summary>1007: a text message (or close reason) that is not valid UTF-8.</summary>
    InvalidPayloadData = 1007,
    /// <summary>1008: a message that violates the endpoint's policy (auth, rate limit, slow consumer).</summary>
    PolicyViolation = 1008,
    /// <summary>1009: a message too big to process.</summary>
    MessageTooBig = 1009,
    /// <summary>1010: (client) the server did not negotiate a required extension.</summary>
    MandatoryExtension = 1010,
    /// <summary>1011: (server) an unexpected condition prevented the request from being fulfilled.</summary>
    InternalError = 1011,
}
