using WsChat.Core.Sessions;
using WsChat.Net.Buffers;

namespace WsChat.Core.Backplane;

/// <summary>
/// One id a <see cref="MessageSequencer"/> holds: the message's frame (one reference owned), or nothing for an id
/// that will never be stored, plus the sender to ack once it is delivered (local messages only).
/// </summary>
internal readonly record struct SequencedItem(SharedFrame? Frame, ChatSession? AckTo = null, string? Ref = null)
{
    /// <summary>An id that was given out but will never be stored: skipped without a gap.</summary>
    public static SequencedItem Void => default;

    public bool IsVoid => Frame is null;
}
