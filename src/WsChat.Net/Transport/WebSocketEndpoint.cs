namespace WsChat.Net.Transport;

/// <summary>A mapped route: a WebSocket endpoint (handler and limits) or a plain HTTP handler.</summary>
internal sealed class WebSocketEndpoint
{
    public WebSocketEndpoint(IWebSocketHandler handler, WebSocketEndpointOptions options)
    {
        Handler = handler;
        Options = options;
    }

    public IWebSocketHandler Handler { get; }

    public WebSocketEndpointOptions Options { get; }
}
