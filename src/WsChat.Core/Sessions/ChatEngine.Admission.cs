using WsChat.Core.Auth;
using WsChat.Core.Backplane;
using WsChat.Core.Ports;
using WsChat.Core.Protocol;
using WsChat.Core.Shards;
using WsChat.Core.Users;

namespace WsChat.Core.Sessions;

/// <summary>
/// Several nodes (issue 8): the connections-per-user limit (PROTOCOL.md §5) counts the user's connections on every
/// node, and the user rate limit is shared by the nodes while the user is on several of them.
/// docs/architecture.md "Connections and rate limits across nodes".
/// </summary>
internal sealed partial class ChatEngine
{
    // A valid token: the local limit first (no round trip for a user past it here), then the backplane's atomic
    // check over every node. The connection gets welcome only once admitted; what it sends meanwhile is held.
    private void AdmitClustered(ChatSession session, in TokenIdentity identity, IBackplane backplane)
    {
        int max = Options.MaxConnectionsPerUser;
        Task<ConnectionAdmission>? admit = null;
        // Issued under the directory's lock: this node's counts reach Redis in the order they changed here.
        if (!Users.TryAdd(session, identity.UserId, identity.Name, max, out ChatUser user, (u, count) => admit = Admit(backplane, u.Id, count, max)))
        {
            RefuseTooMany(session);
            return;
        }

        var hold = new ReadHold();
        session.Hold = hold;
        TokenIdentity copy = identity;
        admit!.ContinueWith(t => Admitted(session, user, copy, hold, t), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static Task<ConnectionAdmission> Admit(IBackplane backplane, string userId, int count, int max)
    {
        try
        {
            return backplane.AdmitConnectionAsync(userId, count, max);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Task.FromException<ConnectionAdmission>(ex);
        }
    }

    private void Admitted(ChatSession session, ChatUser user, TokenIdentity identity, ReadHold hold, Task<ConnectionAdmission> result)
    {
        ConnectionAdmission answer;
        if (result.IsCompletedSuccessfully)
        {
            answer = result.Result;
        }
        else
        {
            // Redis unreachable: the limit counts this node only (docs/protocol.md); the count is recorded when it is back.
            BackplaneMetrics.OnLocalAdmission();
            answer = new ConnectionAdmission(true, 0);
        }

        if (!answer.Admitted)
        {
            hold.Release(static () => false, static _ => { });
            session.ClearHold(hold);
            Users.Remove(session, user);
            RefuseTooMany(session);
            return;
        }

        if (answer.Elsewhere > 0) user.SetElsewhere(string.Empty, answer.Elsewhere);      // until the per-node counts are read
        hold.Release(() =>
        {
            bool admitted = FinishAuth(session, user, in identity);
            session.ClearHold(hold);
            return admitted;
        }, json => Receive(session, json));
        if (session.IsAuthenticated) ReadElsewhere(user);
    }

    // The user's counts on the other nodes, read once this node is subscribed to the user's channel: from then on
    // every change comes as an EnvelopeKind.Connections message.
    private void ReadElsewhere(ChatUser user)
    {
        IBackplane backplane = _backplane!;
        Task subscribed = UserSubscriptionOf(user.Id) ?? Task.CompletedTask;
        subscribed.ContinueWith(_ =>
        {
            Task<IReadOnlyList<KeyValuePair<string, int>>> read;
            try
            {
                read = backplane.GetConnectionCountsAsync(user.Id);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return;
            }

            read.ContinueWith(static (t, state) =>
            {
                if (t.IsCompletedSuccessfully) ((ChatUser)state!).SetElsewhere(t.Result);
            }, user, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    // PROTOCOL.md §5 across nodes: a user connected to several nodes takes the tokens of message, dm and typing from
    // the backplane's bucket (atomic in Redis, so N nodes never give N times the rate). The command waits for the
    // answer, and what the connection sends meanwhile waits behind it (ReadHold): one round trip per such command,
    // only for users on several nodes.
    private void AskClusterToken(ChatSession session, ChatUser user, ReadOnlySpan<byte> json, IBackplane backplane)
    {
        var hold = new ReadHold();
        session.Hold = hold;
        byte[] command = json.ToArray();
        Task<int> take;
        try
        {
            take = backplane.TakeRateTokenAsync(user.Id, Options.UserRatePerSecond, Options.UserRateBurst);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            take = Task.FromException<int>(ex);
        }

        take.ContinueWith(t => hold.Release(() =>
        {
            // Redis failed meanwhile: this node's bucket decides, as while it is down.
            int verdict = !t.IsCompletedSuccessfully ? ClusterVerdict.LocalOnly : t.Result;
            if (verdict > 0) BackplaneMetrics.OnClusterRateLimited();
            ReceiveChecked(session, command, verdict);
            session.ClearHold(hold);
            return true;
        }, json => Receive(session, json)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private bool IsHeld(ChatSession session, ReadOnlySpan<byte> json)
    {
        // A message read while a hold is released waits for it, then goes behind the next hold if a held message
        // started one.
        while (session.Hold is { } hold)
        {
            switch (hold.TryHold(json))
            {
                case HoldOutcome.Held:
                    return true;
                case HoldOutcome.Full when session.IsAuthenticated:
                    // Handling it now would overtake the held ones: refused, the client retries (with its ref).
                    ClientMessageReader.TryRead(json, Options.MaxTextLength, out ClientCommand cmd, out _);
                    Metrics.Error(ErrorCode.ServerBusy);
                    session.Send(Frames.Error(ErrorCode.ServerBusy, "too many commands waiting for the cluster, retry later", cmd.Ref));
                    return true;
                case HoldOutcome.Full:
                    return false;       // before welcome: answered as before authentication (PROTOCOL.md §2)
                default:
                    if (ReferenceEquals(session.Hold, hold)) return false;
                    break;
            }
        }

        return false;
    }

    // A node's count of one of this node's users changed (or the node died: 0).
    private void RemoteConnections(string userId, ReadOnlySpan<byte> node, long count) =>
        Users.Find(userId)?.SetElsewhere(System.Text.Encoding.ASCII.GetString(node), (int)count);
}
