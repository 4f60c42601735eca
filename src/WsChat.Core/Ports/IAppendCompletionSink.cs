namespace WsChat.Core.Ports;

/// <summary>
/// The outcome of one submission to the batch writer, handed back to the component that submitted it.
/// </summary>
/// <param name="Message">The message as submitted.</param>
/// <param name="Outcome">Stored, Duplicate (with the original id) or Failed.</param>
/// <param name="State">The opaque value given at submission (e.g. the sending connection's id, for the ack).</param>
public readonly record struct AppendCompletion(StoredMessage Message, AppendOutcome Outcome, long State);

/// <summary>
/// Receives append completions. A shard implements it by enqueueing the completion to its own loop,
/// where it fans the message out and acks it (or answers <c>server_busy</c>).
/// </summary>
/// <remarks>
/// Called on the batch writer's thread, exactly once per accepted submission, in submission order
/// (so a room's messages complete in id order). It must not block or throw: the writer does not
/// start the next batch until every completion of this one is handed over.
/// </remarks>
public interface IAppendCompletionSink
{
    /// <summary>One submission finished; see the remarks on <see cref="IAppendCompletionSink"/>.</summary>
    void OnAppendCompleted(in AppendCompletion completion);
}
