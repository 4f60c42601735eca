namespace WsChat.Core.Sessions;

/// <summary>Where a connection is in its life (PROTOCOL.md §2).</summary>
internal enum SessionState
{
    /// <summary>Open, waiting for an <c>auth</c> message within the auth timeout.</summary>
    Unauthenticated = 0,

    /// <summary><c>welcome</c> sent; commands are accepted.</summary>
    Authenticated = 1,

    /// <summary>Closed or closing; the chat has forgotten it, or is about to.</summary>
    Closed = 2,
}
