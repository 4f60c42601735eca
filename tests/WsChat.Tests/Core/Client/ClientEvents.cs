using WsChat.Core.Client;

namespace WsChat.Tests.Core.Client;

/// <summary>Records every event of a <see cref="ChatClient"/> and lets a test wait for a condition on them (no
/// sleeps: each event wakes the waiters).</summary>
internal sealed class ClientEvents
{
    private readonly Lock _lock = new();
    private readonly List<ChatMessage> _messages = [];
    private readonly List<ChatDirectMessage> _dms = [];
    private readonly List<ChatPresence> _presence = [];
    private readonly List<ChatTyping> _typing = [];
    private readonly List<ChatJoined> _joined = [];
    private readonly List<ChatRecoveryGap> _gaps = [];
    private readonly List<ChatConnectionStateChange> _states = [];
    private readonly List<ChatError> _errors = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClientEvents(ChatClient client)
    {
        client.MessageReceived += (_, e) => Add(_messages, e);
        client.DirectMessageReceived += (_, e) => Add(_dms, e);
        client.PresenceChanged += (_, e) => Add(_presence, e);
        client.TypingChanged += (_, e) => Add(_typing, e);
        client.Joined += (_, e) => Add(_joined, e);
        client.RecoveryGap += (_, e) => Add(_gaps, e);
        client.StateChanged += (_, e) => Add(_states, e);
        client.ErrorReceived += (_, e) => Add(_errors, e);
    }

    public List<ChatMessage> Messages => Snapshot(_messages);

    public List<ChatDirectMessage> DirectMessages => Snapshot(_dms);

    public List<ChatPresence> Presence => Snapshot(_presence);

    public List<ChatTyping> Typing => Snapshot(_typing);

    public List<ChatJoined> Joined => Snapshot(_joined);

    public List<ChatRecoveryGap> Gaps => Snapshot(_gaps);

    public List<ChatConnectionStateChange> States => Snapshot(_states);

    public List<ChatError> Errors => Snapshot(_errors);

    /// <summary>Ids of the messages delivered in <paramref name="room"/>, in delivery order.</summary>
    public List<long> IdsIn(string room) => [.. Messages.Where(m => m.Room == room).Select(m => m.Id)];

    /// <summary>Waits until <paramref name="condition"/> holds (checked after every event); the test's
    /// [CancelAfter] bounds the wait.</summary>
    public async Task WaitUntilAsync(Func<ClientEvents, bool> condition, CancellationToken ct)
    {
        while (true)
        {
            Task changed;
            lock (_lock) changed = _changed.Task;
            if (condition(this)) return;
            await changed.WaitAsync(ct);
        }
    }

    private void Add<T>(List<T> list, T item)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            list.Add(item);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private List<T> Snapshot<T>(List<T> list)
    {
        lock (_lock) return [.. list];
    }
}
