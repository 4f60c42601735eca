using System.Collections.Concurrent;
using WsChat.Core.Ports;

namespace WsChat.Tests.Support;

/// <summary>Collects append completions (as a shard would enqueue them) and lets a test wait for a count.</summary>
internal sealed class RecordingCompletionSink : IAppendCompletionSink
{
    private readonly ConcurrentQueue<AppendCompletion> _completions = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public IReadOnlyCollection<AppendCompletion> Completions => _completions;

    public void OnAppendCompleted(in AppendCompletion completion)
    {
        _completions.Enqueue(completion);
        _arrived.Release();
    }

    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        while (_completions.Count < count)
        {
            if (!await _arrived.WaitAsync(timeout)) throw new TimeoutException($"{_completions.Count} of {count} completions arrived.");
        }
    }
}
