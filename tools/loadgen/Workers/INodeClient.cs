namespace WsChat.LoadGen.Workers;

/// <summary>How the coordinator drives a node: in this process, or a child process over its stdin/stdout.</summary>
internal interface INodeClient : IAsyncDisposable
{
    /// <summary>The process holding the node's connections, whose CPU time the coordinator reads from /proc.</summary>
    int ProcessId { get; }

    Task<SetupReport> SetupAsync(CancellationToken cancellationToken);

    Task SetRateAsync(double totalRate, bool measuring, CancellationToken cancellationToken);

    Task<IntervalReport> IntervalAsync(CancellationToken cancellationToken);

    Task<FinishReport> FinishAsync(CancellationToken cancellationToken);
}

/// <summary>The node in the coordinator's own process (<c>--workers 1</c>, the default).</summary>
internal sealed class LocalNodeClient(LoadNode node) : INodeClient
{
    public int ProcessId => Environment.ProcessId;

    public Task<SetupReport> SetupAsync(CancellationToken cancellationToken) => node.SetupAsync(cancellationToken);

    public Task SetRateAsync(double totalRate, bool measuring, CancellationToken cancellationToken)
    {
        node.SetRate(totalRate, measuring);
        return Task.CompletedTask;
    }

    public Task<IntervalReport> IntervalAsync(CancellationToken cancellationToken) => Task.FromResult(node.TakeInterval());

    public Task<FinishReport> FinishAsync(CancellationToken cancellationToken) => node.FinishAsync(cancellationToken);

    public ValueTask DisposeAsync() => node.DisposeAsync();
}
