namespace WsChat.Net.Transport;

/// <summary>The answer of <see cref="IWebSocketHandler.OnUpgrade"/>: upgrade, or refuse with an HTTP status.</summary>
public readonly struct UpgradeDecision
{
    private UpgradeDecision(bool accepted, object? state, int statusCode)
    {
        IsAccepted = accepted;
        State = state;
        StatusCode = statusCode;
    }

    /// <summary>True to upgrade (101).</summary>
    public bool IsAccepted { get; }

    /// <summary>Per-connection state to attach, exposed as <see cref="WebSocketConnection.State"/>.</summary>
    public object? State { get; }

    /// <summary>The HTTP status of a refusal (e.g. 401 for a bad token); 101 when accepted.</summary>
    public int StatusCode { get; }

    /// <summary>Upgrades the connection, attaching <paramref name="state"/> (may be null).</summary>
    public static UpgradeDecision Accept(object? state = null) => new(true, state, 101);

    /// <summary>Refuses the upgrade with <paramref name="statusCode"/>; the server answers it and closes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is not 400-599.</exception>
    public static UpgradeDecision Refuse(int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        return new(false, null, statusCode);
    }
}
