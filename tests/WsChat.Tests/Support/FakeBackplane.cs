using WsChat.Core.Ports;

namespace WsChat.Tests.Support;

/// <summary>
/// An <see cref="IBackplane"/> in memory for engine tests of the clustered paths: the answers of the admission and of
/// the shared rate bucket are held until the test gives them (<see cref="Admissions"/>, <see cref="Tokens"/>), so a
/// test sees what the connection does while it waits. Ids come from a counter per conversation.
/// </summary>
internal sealed class FakeBackplane : IBackplane
{
    private readonly Dictionary<string, long> _sequences = [];

    public string NodeId => "fake-node";

    public bool IsConnected { get; set; } = true;

    /// <summary>One per admission asked, in order; complete it to answer.</summary>
    public List<TaskCompletionSource<ConnectionAdmission>> Admissions { get; } = [];

    /// <summary>One per shared-bucket token asked, in order; complete it with 0 (taken) or a retry in ms.</summary>
    public List<TaskCompletionSource<int>> Tokens { get; } = [];

    /// <summary>Every <see cref="SetConnectionCount"/>, in order.</summary>
    public List<KeyValuePair<string, int>> Counts { get; } = [];

    /// <summary>What <see cref="GetConnectionCountsAsync"/> answers.</summary>
    public List<KeyValuePair<string, int>> Elsewhere { get; } = [];

    public Task StartAsync(IBackplaneReceiver receiver, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IDisposable> SubscribeAsync(BackplaneChannel channel) => Task.FromResult<IDisposable>(new Nothing());

    public void Publish(BackplaneChannel channel, byte[] message)
    {
    }

    public Task<long> NextIdAsync(ConversationKey conversation, int count, Func<CancellationToken, Task<long>> storedLastId, CancellationToken cancellationToken)
    {
        lock (_sequences)
        {
            _sequences.TryGetValue(conversation.Value, out long last);
            _sequences[conversation.Value] = last + count;
            return Task.FromResult(last + count);
        }
    }

    public void SetRoomMember(string room, string userId, string username, bool present)
    {
    }

    public Task<IReadOnlyList<BackplaneMember>> GetRoomMembersAsync(string room) => Task.FromResult<IReadOnlyList<BackplaneMember>>([]);

    public Task<ConnectionAdmission> AdmitConnectionAsync(string userId, int localCount, int maxConnections)
    {
        var answer = new TaskCompletionSource<ConnectionAdmission>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Admissions) Admissions.Add(answer);
        return answer.Task;
    }

    public void SetConnectionCount(string userId, int localCount)
    {
        lock (Counts) Counts.Add(new(userId, localCount));
    }

    public void RecordConnectionCounts(IReadOnlyCollection<KeyValuePair<string, int>> counts)
    {
    }

    public Task<IReadOnlyList<KeyValuePair<string, int>>> GetConnectionCountsAsync(string userId) =>
        Task.FromResult<IReadOnlyList<KeyValuePair<string, int>>>([.. Elsewhere]);

    public Task<int> TakeRateTokenAsync(string userId, double ratePerSecond, int burst)
    {
        var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Tokens) Tokens.Add(answer);
        return answer.Task;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Nothing : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
