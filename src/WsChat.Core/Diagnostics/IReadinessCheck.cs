namespace WsChat.Core.Diagnostics;

/// <summary>
/// One condition of <c>/readyz</c> besides "the server accepts connections" (PROTOCOL.md §1), such as
/// "storage is reachable". <c>/readyz</c> answers 503 while any check is not ready, so a load balancer
/// stops sending new clients to a node that could not store their messages.
/// </summary>
/// <remarks>Called on a connection's receive loop for every probe: must be cheap, thread-safe and never
/// block (read a flag kept up to date elsewhere; do not query a database here).</remarks>
internal interface IReadinessCheck
{
    /// <summary>Short name shown in the 503 body, e.g. <c>storage</c>.</summary>
    string Name { get; }

    /// <summary>True while the condition holds.</summary>
    bool IsReady { get; }
}
