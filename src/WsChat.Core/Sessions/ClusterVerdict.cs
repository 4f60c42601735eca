namespace WsChat.Core.Sessions;

/// <summary>What the cluster-wide rate limit said about a command that waited for it (or that it was not asked).</summary>
internal static class ClusterVerdict
{
    /// <summary>Not asked: the normal read path (asks it for a user on several nodes).</summary>
    public const int Unchecked = -1;

    /// <summary>The backplane failed: this node's bucket decides.</summary>
    public const int LocalOnly = -2;

    /// <summary>A token was taken. Positive values: refused, retry after that many ms.</summary>
    public const int Granted = 0;
}
