using WsChat.Core.Diagnostics;
using WsChat.Core.Ports;

namespace WsChat.Core.Backplane;

/// <summary><c>/readyz</c>'s "redis" condition: a node that cannot reach the backplane keeps its own members but
/// refuses room messages and DMs (no ids), so new clients are better sent to another node.</summary>
internal sealed class BackplaneReadinessCheck(IBackplane backplane) : IReadinessCheck
{
    public string Name => "redis";

    public bool IsReady => backplane.IsConnected;
}
