using System.Globalization;
using System.Text;
using WsChat.Core.Protocol;
using WsChat.Core.Sessions;
using WsChat.Core.Users;
using WsChat.Net.Buffers;

namespace WsChat.Core.Shards;

internal sealed partial class Shard
{
    private readonly Dictionary<string, DmPair> _pairs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DmPair>.AlternateLookup<ReadOnlySpan<char>> _pairsByChars;

    /// <summary>DM pairs on this shard (read from other threads only for metrics).</summary>
    public int PairCount => _pairs.Count;

    // PROTOCOL.md §3 dm: one id from the pair's sequence, one frame to every connection of both users.
    private void Dm(in ShardCommand command)
    {
        if (_engine.Persistent)
        {
            StoreDm(in command);               // fanned out and acked when its batch commits
            return;
        }

        ChatSession session = command.Session!;
        DmPair pair = FindPair(session.UserId, command.Target, create: true)!;
        long id = ++pair.LastId;
        long timestamp = _engine.Time.GetUtcNow().ToUnixTimeMilliseconds();
        byte[] to = pair.OtherUtf8(session.UserId);
        SharedFrame frame = Frames.Dm(id, session.UsernameUtf8, session.UserIdUtf8, to, command.Text, timestamp);
        pair.History.Add(id, Frames.ElementOf(frame, Frames.DmTypePrefix));

        // The sender's connections include this one: like a room message, the dm comes back to it.
        Metrics.DirectMessageSent(SendToBoth(session.User, command.Recipient, frame));
        frame.Release();
        if (command.HasRef) session.Send(Frames.AckDm(command.Ref, id, to));
    }

    private void DmHistory(in ShardCommand command)
    {
        ChatSession session = command.Session!;
        DmPair? pair = FindPair(session.UserId, command.Target, create: false);
        if (_engine.Persistent && pair is not null)
        {
            StoredDmHistory(session, pair, in command);
            return;
        }

        SendHistory(session, pair?.History, in command, isDm: true);
    }

    /// <summary>Queues <paramref name="frame"/> to every connection of both users (once when they are the same user:
    /// a DM to oneself); returns how many connections got it. The caller keeps its reference.</summary>
    private static int SendToBoth(ChatUser? sender, ChatUser? recipient, SharedFrame frame)
    {
        int sent = 0;
        if (sender?.Sessions is { } fromSessions)
        {
            SendToAll(fromSessions, frame);
            sent += fromSessions.Length;
        }

        if (recipient is not null && !ReferenceEquals(recipient, sender) && recipient.Sessions is { } toSessions)
        {
            SendToAll(toSessions, frame);
            sent += toSessions.Length;
        }

        return sent;
    }

    private static void SendToAll(ChatSession[] sessions, SharedFrame frame)
    {
        foreach (ChatSession target in sessions)
        {
            target.Send(frame.AddRef());
        }
    }

    /// <summary>The pair of <paramref name="userId"/> and <paramref name="otherUtf8"/>, found without allocating.</summary>
    private DmPair? FindPair(string userId, ReadOnlySpan<byte> otherUtf8, bool create)
    {
        int otherMax = Encoding.UTF8.GetMaxCharCount(otherUtf8.Length);
        char[]? rented = null;
        int size = otherMax + userId.Length + 16;
        Span<char> buffer = size <= 512 ? stackalloc char[512] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(size));
        try
        {
            Span<char> other = buffer[..otherMax];
            other = other[..Encoding.UTF8.GetChars(otherUtf8, other)];
            Span<char> key = buffer[otherMax..];
            // The storage key format (ConversationKey.Direct): "@" + first.Length + ":" + first + second.
            ReadOnlySpan<char> self = userId;
            bool selfFirst = self.SequenceCompareTo(other) <= 0;
            ReadOnlySpan<char> first = selfFirst ? self : other, second = selfFirst ? other : self;
            key[0] = '@';
            first.Length.TryFormat(key[1..], out int digits, provider: CultureInfo.InvariantCulture);
            int at = 1 + digits;
            key[at++] = ':';
            first.CopyTo(key[at..]);
            at += first.Length;
            second.CopyTo(key[at..]);
            at += second.Length;
            key = key[..at];
            if (_pairsByChars.TryGetValue(key, out DmPair? pair) || !create) return pair;
            pair = new DmPair(new string(key), first.ToString(), second.ToString(), _engine.Options.RoomHistorySize);
            _pairs.Add(pair.Key, pair);
            return pair;
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<char>.Shared.Return(rented);
        }
    }
}
