namespace WsChat.Core.Protocol;

/// <summary>
/// One parsed client message (PROTOCOL.md §3), produced by <see cref="ClientMessageReader.TryRead(ReadOnlySpan{byte}, out ClientCommand, out ProtocolError)"/>.
/// </summary>
/// <remarks>
/// <para><b>Lifetime.</b> The string-like fields (<see cref="Room"/>, <see cref="Text"/>, <see cref="To"/>,
/// <see cref="Token"/>, <see cref="Ref"/>, <see cref="Dm"/>) are UTF-8 bytes <i>borrowed</i>: either a slice of
/// the message buffer given to the reader (a value without JSON escapes), or a slice of the reading thread's
/// unescape scratch (a value with escapes such as <c>\n</c> or <c>\u00e9</c>, already decoded). They are
/// valid until the message buffer is reused <b>and</b> until the next <c>TryRead</c> on the same thread,
/// whichever comes first. This is a <c>ref struct</c> so the compiler keeps it on the stack of the
/// synchronous message callback: to hand a command to a shard (another thread), copy what it needs
/// (<c>cmd.Text.ToArray()</c>, a room lookup) or call <see cref="Detach"/>.</para>
/// <para>Values are already validated: room names match <c>[A-Za-z0-9_.:-]{1,64}</c>, <c>text</c> is 1..max
/// code points, <c>ref</c> at most 64 code points, all strings valid UTF-8. An empty <see cref="Ref"/>
/// means "no ref" (a client's <c>"ref":""</c> is treated as absent).</para>
/// </remarks>
internal ref struct ClientCommand
{
    /// <summary>The message type; <see cref="CommandType.None"/> when parsing failed.</summary>
    public CommandType Type;

    /// <summary><c>ref</c>, decoded; empty when absent. Set on failure too when it could be read, so an
    /// error can echo it.</summary>
    public ReadOnlySpan<byte> Ref;

    /// <summary><c>room</c> of join, leave, message, typing, list_users and a room history.</summary>
    public ReadOnlySpan<byte> Room;

    /// <summary><c>text</c> of message and dm, decoded (byte-exact what the client meant).</summary>
    public ReadOnlySpan<byte> Text;

    /// <summary><c>to</c> (recipient user id) of dm.</summary>
    public ReadOnlySpan<byte> To;

    /// <summary><c>token</c> of auth.</summary>
    public ReadOnlySpan<byte> Token;

    /// <summary><c>dm</c> (the other user's id) of a DM history; empty for a room history.</summary>
    public ReadOnlySpan<byte> Dm;

    /// <summary><c>since</c> of join: replay messages with id &gt; since. Null when absent.</summary>
    public long? Since;

    /// <summary><c>before</c> of history: messages older than this id. Null when absent.</summary>
    public long? Before;

    /// <summary><c>limit</c> of history, 1..100. Null when absent (the default, 50, is the caller's choice).</summary>
    public int? Limit;

    /// <summary><c>status</c> of typing.</summary>
    public bool TypingStatus;

    /// <summary>
    /// Copies this command into pooled storage that may cross threads and outlive the message buffer.
    /// The result must be disposed exactly once (it returns the storage to the pool).
    /// </summary>
    public readonly DetachedCommand Detach() => DetachedCommand.From(in this);
}
