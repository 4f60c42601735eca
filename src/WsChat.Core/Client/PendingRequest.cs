namespace WsChat.Core.Client;

/// <summary>
/// A request waiting for its reply, found by its <c>ref</c>. Keeps its encoded bytes so that a reconnect sends it
/// again unchanged. One <see cref="TaskCompletionSource{T}"/> per request: the client is not the server's hot path,
/// and each request hands the application its own task.
/// </summary>
internal abstract class PendingRequest(string @ref, RequestKind kind, byte[] payload, string? target, long sequence)
{
    public string Ref { get; } = @ref;

    public RequestKind Kind { get; } = kind;

    /// <summary>The message as sent (and as sent again after a reconnect; a join is re-encoded with the current <c>since</c>).</summary>
    public byte[] Payload { get; set; } = payload;

    /// <summary>The room the request is about (join, leave, message, list_users, history), or null.</summary>
    public string? Target { get; } = target;

    /// <summary>Order of creation: a reconnect sends pending requests again in this order.</summary>
    public long Sequence { get; } = sequence;

    /// <summary>For a join: the <c>since</c> it was sent with (null: a first join).</summary>
    public long? Since { get; set; }

    /// <summary>The client's own request (a rejoin): nobody awaits it, so it is never faulted.</summary>
    public bool Internal { get; init; }

    /// <summary>Unhooked when the request ends, so a long-lived token does not keep finished requests alive.</summary>
    public CancellationTokenRegistration Cancellation { get; set; }

    public abstract Task Task { get; }

    /// <summary>The reply types that answer this request (an <c>error</c> always does).</summary>
    public bool IsAnsweredBy(ServerMessageKind reply) => (Kind, reply) switch
    {
        (RequestKind.Join, ServerMessageKind.Joined) => true,
        (RequestKind.Leave, ServerMessageKind.Left) => true,
        (RequestKind.Message or RequestKind.Dm or RequestKind.Auth, ServerMessageKind.Ack) => true,
        (RequestKind.ListUsers, ServerMessageKind.Users) => true,
        (RequestKind.History, ServerMessageKind.History) => true,
        (RequestKind.Ping, ServerMessageKind.Pong) => true,
        _ => false,
    };

    /// <summary>Completes with the value <paramref name="reply"/> maps to (on the receive loop: copies out what it needs).</summary>
    public abstract void Complete(ServerMessage reply);

    public abstract void Fail(Exception error);

    public abstract void Cancel(CancellationToken cancellationToken);
}

/// <inheritdoc />
internal sealed class PendingRequest<T>(string @ref, RequestKind kind, byte[] payload, string? target, long sequence, Func<ServerMessage, T> map)
    : PendingRequest(@ref, kind, payload, target, sequence)
{
    // Continuations run on the thread pool, never inline on the client's receive loop.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Task Task => _completion.Task;

    public Task<T> TypedTask => _completion.Task;

    public override void Complete(ServerMessage reply)
    {
        T value;
        try
        {
            value = map(reply);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            _completion.TrySetException(e);
            Cancellation.Dispose();
            return;
        }

        _completion.TrySetResult(value);
        Cancellation.Dispose();
    }

    /// <summary>Completes with <paramref name="value"/> without a reply (a leave made moot by a lost connection).</summary>
    public void Complete(T value)
    {
        _completion.TrySetResult(value);
        Cancellation.Dispose();
    }

    public override void Fail(Exception error)
    {
        _completion.TrySetException(error);
        Cancellation.Dispose();
    }

    public override void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
}
