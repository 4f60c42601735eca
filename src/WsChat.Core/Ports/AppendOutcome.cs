namespace WsChat.Core.Ports;

/// <summary>What an append did with one message of a batch that committed.</summary>
public enum AppendStatus : byte
{
    /// <summary>Not decided (the default value; never a final outcome).</summary>
    None = 0,

    /// <summary>The message is durably stored under its own id: fan it out and ack it.</summary>
    Stored = 1,

    /// <summary>The same sender sent the same <c>ref</c> to the same conversation within the dedup
    /// window and that message is stored: nothing was written; ack with <see cref="AppendOutcome.ExistingId"/>
    /// and fan out nothing (PROTOCOL.md §5 "Idempotent retries").</summary>
    Duplicate = 2,

    /// <summary>The batch did not commit (storage unavailable, timeout, shutdown): refuse with
    /// <c>server_busy</c> and fan out nothing.</summary>
    Failed = 3,
}

/// <summary>The result of appending one message: its status and, for a duplicate, the original id.</summary>
/// <param name="Status">Stored, Duplicate or Failed.</param>
/// <param name="ExistingId">For <see cref="AppendStatus.Duplicate"/>, the id of the message stored first; else 0.</param>
public readonly record struct AppendOutcome(AppendStatus Status, long ExistingId = 0)
{
    /// <summary>The message was stored under its own id.</summary>
    public static AppendOutcome Stored => new(AppendStatus.Stored);

    /// <summary>The message is a retry of <paramref name="existingId"/>.</summary>
    public static AppendOutcome DuplicateOf(long existingId) => new(AppendStatus.Duplicate, existingId);
}
