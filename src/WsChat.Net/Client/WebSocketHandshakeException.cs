namespace WsChat.Net.Client;

/// <summary>The server did not upgrade: it answered another status, or a 101 with a wrong <c>Sec-WebSocket-Accept</c>.</summary>
public sealed class WebSocketHandshakeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WebSocketHandshakeException(int statusCode, string message)
        : base(message) => StatusCode = statusCode;

    /// <summary>Creates the exception without a status.</summary>
    public WebSocketHandshakeException()
        : this(0, "WebSocket handshake failed.")
    {
    }

    /// <summary>Creates the exception without a status.</summary>
    public WebSocketHandshakeException(string message)
        : this(0, message)
    {
    }

    /// <summary>Creates the exception without a status.</summary>
    public WebSocketHandshakeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status the server answered (e.g. 401, 503); 101 when only the accept key was wrong; 0 when
    /// the response was not HTTP.</summary>
    public int StatusCode { get; }
}
