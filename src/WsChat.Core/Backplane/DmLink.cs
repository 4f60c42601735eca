using WsChat.Core.Users;

namespace WsChat.Core.Backplane;

/// <summary>
/// A DM pair's order on this node (issue 8: a pair's DMs reach every node in id order, like a room's messages), while
/// one of its two users has connections here. DMs come from the channels of both users (a node with both gets each
/// twice: the sequencer keeps one) and from this node's own commits. Owned by the pair's shard.
/// </summary>
/// <remarks>
/// A node receives a user's DMs only while it is subscribed to the user's channel, i.e. while the user has
/// connections here (one <see cref="ChatUser"/> object per such period). The link belongs to those periods
/// (<see cref="FirstUser"/>, <see cref="SecondUser"/>): when neither user is the same object any more, both were
/// offline here in between, DMs were missed on purpose, and a new link starts. A new link reads the pair's newest
/// stored DMs first (<see cref="Loading"/>): what was sent after its users came online here is delivered from
/// there, what came before is history.
/// </remarks>
internal sealed class DmLink(ChatUser? first, ChatUser? second) : ConversationLink(0)
{
    /// <summary>The pair's first user's presence on this node when last seen (null: not here).</summary>
    public ChatUser? FirstUser { get; set; } = first;

    /// <summary>The pair's second user's presence on this node when last seen (null: not here).</summary>
    public ChatUser? SecondUser { get; set; } = second;

    /// <summary>The newest stored DMs are being read to know where delivery starts; DMs wait in <see cref="Waiting"/>.</summary>
    public bool Loading { get; set; } = true;

    /// <summary>DMs that arrived while <see cref="Loading"/>, in arrival order.</summary>
    public List<KeyValuePair<long, SequencedItem>> Waiting { get; } = [];

    /// <summary>True when <paramref name="first"/> or <paramref name="second"/> (the users here now) continues a
    /// presence this link has seen: the node stayed subscribed to that user's channel throughout.</summary>
    public bool Continues(ChatUser? first, ChatUser? second) =>
        (first is not null && ReferenceEquals(first, FirstUser)) || (second is not null && ReferenceEquals(second, SecondUser));
}
