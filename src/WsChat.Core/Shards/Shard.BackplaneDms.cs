using System.Diagnostics;
using System.Text;
using WsChat.Core.Backplane;
using WsChat.Core.Ports;
using WsChat.Core.Sessions;
using WsChat.Core.Users;
using WsChat.Net.Buffers;

namespace WsChat.Core.Shards;

/// <summary>
/// Several nodes: DMs in id order on every node (issue 8). A stored DM is published on the channels of both users and
/// offered to this node's order of the pair (<see cref="DmLink"/>); DMs from other nodes come through the pair's
/// shard too (<see cref="ShardCommandKind.RemoteDm"/>). The pair's order works like a room's: a later id waits for
/// a missing one, a lasting gap is filled from storage, an id that never reaches storage is given up, and a refused
/// or duplicate DM's id is announced at once (<see cref="EnvelopeKind.DmVoid"/>). The sender's ack goes out when its
/// own node delivers the DM.
/// </summary>
internal sealed partial class Shard
{
    private readonly HashSet<DmPair> _gappedPairs = new(ReferenceEqualityComparer.Instance);

    // A DM or DM void from another node (the copy from the second user's channel, when both are here, is dropped by the order).
    private void RemoteDm(in ShardCommand command)
    {
        DmPair? pair = FindPairByKey(command.Target);
        if (pair is null) return;
        var kind = (EnvelopeKind)command.Limit;
        OfferDm(pair, command.Since, kind == EnvelopeKind.Dm ? new SequencedItem(Frames.FromPayload(command.Text)) : SequencedItem.Void);
    }

    /// <summary>A stored DM: to the channels of both users, and into this node's order of the pair.</summary>
    private void PublishStoredDm(IBackplane backplane, in InFlight f)
    {
        DmPair pair = f.Pair!;
        PublishDm(backplane, pair, EnvelopeKind.Dm, f.Id, f.Frame.Payload);
        OfferDm(pair, f.Id, new SequencedItem(f.Frame, f.Session, f.Ref));
    }

    /// <summary>An id of <paramref name="pair"/> that will never be stored: every node stops waiting for it.</summary>
    private void VoidDmId(IBackplane backplane, DmPair pair, long id)
    {
        PublishDm(backplane, pair, EnvelopeKind.DmVoid, id, default);
        OfferDm(pair, id, SequencedItem.Void);
    }

    // On the channels of both users (one when a user writes to themselves); the pair's key goes in the user id field.
    private void PublishDm(IBackplane backplane, DmPair pair, EnvelopeKind kind, long id, ReadOnlySpan<byte> payload)
    {
        byte[] key = Encoding.UTF8.GetBytes(pair.Key);
        Publish(backplane, new BackplaneChannel(BackplaneChannelKind.User, pair.First), kind, id, key, payload);
        if (!string.Equals(pair.First, pair.Second, StringComparison.Ordinal))
        {
            Publish(backplane, new BackplaneChannel(BackplaneChannelKind.User, pair.Second), kind, id, key, payload);
        }
    }

    private void OfferDm(DmPair pair, long id, SequencedItem item)
    {
        DmLink? link = CurrentDmLink(pair);
        if (link is null)
        {
            NotDelivered(pair, id, item);      // neither user is here (any more)
            return;
        }

        if (link.Loading)
        {
            link.Waiting.Add(new(id, item));
            return;
        }

        if (!link.Sequencer.Offer(id, item))
        {
            NotDelivered(pair, id, item);      // delivered already, or before this node's users came online
            return;
        }

        DeliverDmsInOrder(pair, link);
    }

    // Not delivered here: the frame goes back, and the sender of a local DM still gets its ack (the DM is stored).
    private void NotDelivered(DmPair pair, long id, SequencedItem item)
    {
        item.Frame?.Release();
        if (item.AckTo is { } sender) AckDm(sender, item.Ref, id, pair);
    }

    /// <summary>The pair's order for the users here now: the same while one of them stayed online here, a new one
    /// (reading storage first) after both were away; null when neither is here.</summary>
    private DmLink? CurrentDmLink(DmPair pair)
    {
        ChatUser? first = _engine.Users.Find(pair.First);
        ChatUser? second = pair.First == pair.Second ? first : _engine.Users.Find(pair.Second);
        DmLink? link = pair.Link;
        if (link is not null && link.Continues(first, second))
        {
            link.FirstUser = first;
            link.SecondUser = second;
            return link;
        }

        DropDmLink(pair);
        if (first is null && second is null) return null;
        link = new DmLink(first, second);
        pair.Link = link;
        long onlineSince = Math.Min(first?.OnlineSinceMs ?? long.MaxValue, second?.OnlineSinceMs ?? long.MaxValue);
        StartDmLinkLoad(pair, link, onlineSince);
        return link;
    }

    private void DropDmLink(DmPair pair)
    {
        if (pair.Link is not { } link) return;
        pair.Link = null;
        foreach (KeyValuePair<long, SequencedItem> waiting in link.Waiting) waiting.Value.Frame?.Release();
        link.Waiting.Clear();
        link.Sequencer.Clear(static item => item.Frame?.Release());
        _gappedPairs.Remove(pair);
        _hasGaps = _gapped.Count + _gappedPairs.Count > 0;
    }

    // Where delivery starts: after the newest stored DM sent before the pair's users came online here (a DM's
    // timestamp is taken when its id is, before it is stored). Stored DMs after that are delivered from the read.
    private void StartDmLinkLoad(DmPair pair, DmLink link, long onlineSince)
    {
        ConversationKey key = pair.Storage?.Key ?? ConversationKey.Parse(pair.Key);
        Task<MessagePage> read;
        try
        {
            read = Store.ReadHistoryAsync(key, null, _engine.Options.RoomHistorySize, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            read = Task.FromException<MessagePage>(ex);
        }

        read.ContinueWith(t => PostToShard(() => DmLinkLoaded(pair, link, onlineSince, t)), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void DmLinkLoaded(DmPair pair, DmLink link, long onlineSince, Task<MessagePage> read)
    {
        List<KeyValuePair<long, SequencedItem>> waiting = [.. link.Waiting];
        link.Waiting.Clear();
        link.Loading = false;
        if (!ReferenceEquals(pair.Link, link))
        {
            foreach ((long id, SequencedItem item) in waiting) NotDelivered(pair, id, item);
            return;
        }

        long start;
        IReadOnlyList<StoredMessage> stored = [];
        if (read.IsCompletedSuccessfully)
        {
            MessagePage page = read.Result;
            stored = page.Messages;
            start = 0;
            foreach (StoredMessage message in stored)
            {
                if (message.Timestamp < onlineSince) start = Math.Max(start, message.Id);
            }

            // Every one of the newest DMs is newer than the users' arrival: start with the oldest read.
            if (start == 0 && page.HasMore && stored.Count > 0) start = stored[0].Id - 1;
        }
        else
        {
            // Storage unreadable: start below what arrived; gaps behind it are filled (or skipped) as usual.
            BackplaneLog.FillFailed(_engine.Logger, pair.Key, read.Exception?.GetBaseException());
            start = waiting.Count == 0 ? 0 : waiting.Min(w => w.Key) - 1;
        }

        MessageSequencer sequencer = link.Sequencer;
        sequencer.AdvanceTo(start);
        // What arrived first (with the sender's ack), then the stored copies (dropped when the same id is held).
        foreach ((long id, SequencedItem item) in waiting)
        {
            if (!sequencer.Offer(id, item)) NotDelivered(pair, id, item);
        }

        foreach (StoredMessage message in stored)
        {
            if (message.Id <= start) continue;
            SharedFrame frame = FrameOf(in message, room: null, pair);
            if (!sequencer.Offer(message.Id, new SequencedItem(frame))) frame.Release();
        }

        DeliverDmsInOrder(pair, link);
    }

    private void DeliverDmsInOrder(DmPair pair, DmLink link)
    {
        MessageSequencer sequencer = link.Sequencer;
        bool progressed = false;
        while (sequencer.TryTake(out long id, out SequencedItem item))
        {
            progressed = true;
            pair.LastId = Math.Max(pair.LastId, id);
            if (item.Frame is not { } frame) continue;
            // The ring answers history only once loaded from storage; it takes ids in order only.
            if (pair.Storage is { Loaded: true } && id > pair.History.NewestId) pair.History.Add(id, Frames.ElementOf(frame, Frames.DmTypePrefix));
            Metrics.DirectMessageSent(SendToBoth(_engine.Users.Find(pair.First), _engine.Users.Find(pair.Second), frame));
            frame.Release();
            if (item.AckTo is { } sender) AckDm(sender, item.Ref, id, pair);
        }

        NoteGap(sequencer, progressed, _gappedPairs, pair);
    }

    private static void AckDm(ChatSession sender, string? clientRef, long id, DmPair pair)
    {
        if (clientRef is null || sender.State == SessionState.Closed) return;
        sender.Send(Frames.AckDm(RefBytes(clientRef, stackalloc byte[256]), id, pair.OtherUtf8(sender.UserId)));
    }

    /// <summary>The pair whose storage key is <paramref name="keyUtf8"/>, created when this shard has not seen it.</summary>
    private DmPair? FindPairByKey(ReadOnlySpan<byte> keyUtf8)
    {
        string key = Encoding.UTF8.GetString(keyUtf8);
        if (_pairs.TryGetValue(key, out DmPair? pair)) return pair;
        ConversationKey parsed;
        try
        {
            parsed = ConversationKey.Parse(key);
        }
        catch (FormatException)
        {
            return null;        // not from a node of this version
        }

        if (!parsed.TryGetUsers(out ReadOnlySpan<char> first, out ReadOnlySpan<char> second)) return null;
        pair = new DmPair(key, first.ToString(), second.ToString(), _engine.Options.RoomHistorySize);
        _pairs.Add(key, pair);
        return pair;
    }
}
