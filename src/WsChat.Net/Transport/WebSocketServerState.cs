namespace WsChat.Net.Transport;

/// <summary>The life of a <see cref="WebSocketServer"/>; <c>/readyz</c> answers 200 only while <see cref="Running"/>.</summary>
public enum WebSocketServerState
{
    /// <summary>Created, not listening yet.</summary>
    Starting = 0,
    /// <summary>Listening and upgrading new connections.</summary>
    Running = 1,
    /// <summary>Draining: new upgrades are refused with 503, open connections are being closed with 1001.</summary>
    Draining = 2,
    /// <summary>Stopped: listener and every connection closed.</summary>
    Stopped = 3,
}
