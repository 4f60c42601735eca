using WsChat.Core.Protocol;
using WsChat.Core.Shards;
using WsChat.Core.Users;
using WsChat.Net.WebSockets;

namespace WsChat.Core.Sessions;

internal sealed partial class ChatEngine
{
    // PROTOCOL.md §3 history: "limit (1..100, default 50)".
    private const int DefaultHistoryLimit = 50;

    /// <summary>One text message from the client (the read path: parse, check, answer or queue).</summary>
    /// <param name="session">The connection's session.</param>
    /// <param name="json">The message, borrowed for the duration of the call.</param>
    public void Receive(ChatSession session, ReadOnlySpan<byte> json) => ReceiveChecked(session, json, ClusterVerdict.Unchecked);

    /// <summary>The read path; <paramref name="verdict"/> is the cluster-wide rate limit's answer for a message that
    /// waited for it (ChatEngine.Admission.cs): its connection bucket was charged the first time through.</summary>
    private void ReceiveChecked(ChatSession session, ReadOnlySpan<byte> json, int verdict)
    {
        if (session.State == SessionState.Closed) return;
        // Several nodes: waiting for the backplane (admission, or a rate-limit token): held, run in order afterwards.
        if (verdict == ClusterVerdict.Unchecked && IsHeld(session, json)) return;
        long now = Time.GetTimestamp();
        bool parsed = ClientMessageReader.TryRead(json, Options.MaxTextLength, out ClientCommand cmd, out ProtocolError error);
        if (verdict == ClusterVerdict.Unchecked) Metrics.MessageReceived(parsed ? cmd.Type : CommandType.None);

        // PROTOCOL.md §5: every command counts against the connection's bucket, refused ones too.
        int retryMs = 0;
        if (verdict == ClusterVerdict.Unchecked && !session.ConnectionBucket.TryTake(now, out retryMs))
        {
            Metrics.RateLimited(Diagnostics.RateLimitBucket.Connection);
            RateLimited(session, cmd.Ref, retryMs, now);
            return;
        }

        if (!parsed)
        {
            Metrics.Error(error.Code);
            session.Send(Frames.Error(error.Code, error.Message, cmd.Ref));
            return;
        }

        if (!session.IsAuthenticated)
        {
            // §2: before auth only auth is accepted; anything else gets unauthenticated, the connection stays open.
            if (cmd.Type == CommandType.Auth) AuthMessage(session, cmd.Token, cmd.Ref);
            else UnauthenticatedError(session, cmd.Ref);
            return;
        }

        switch (cmd.Type)
        {
            case CommandType.Ping:
                session.Send(Frames.Pong(cmd.Ref));
                break;
            case CommandType.Auth:
                Refresh(session, cmd.Token, cmd.Ref);
                break;
            case CommandType.Join:
                {
                    Shard shard = ShardOf(ShardHash.Of(cmd.Room));
                    session.NoteShard(shard.Index);
                    ShardCommand command = ShardCommand.Create(ShardCommandKind.Join, session, cmd.Room, cmd.Ref);
                    command.Flag = cmd.Since.HasValue;
                    command.Since = cmd.Since ?? 0;
                    Enqueue(session, shard, ref command);
                    break;
                }

            case CommandType.Leave:
                ToRoom(session, ShardCommandKind.Leave, in cmd);
                break;
            case CommandType.ListUsers:
                ToRoom(session, ShardCommandKind.ListUsers, in cmd);
                break;
            case CommandType.Message:
                if (TakeUserToken(session, in cmd, now, json, verdict)) ToRoom(session, ShardCommandKind.Message, in cmd);
                break;
            case CommandType.Typing:
                if (TakeUserToken(session, in cmd, now, json, verdict)) ToRoom(session, ShardCommandKind.Typing, in cmd);
                break;
            case CommandType.History:
                History(session, in cmd);
                break;
            case CommandType.Dm:
                if (TakeUserToken(session, in cmd, now, json, verdict)) Dm(session, in cmd);
                break;
            default:
                Metrics.Error(ErrorCode.BadRequest);
                session.Send(Frames.Error(ErrorCode.BadRequest, "unknown type", cmd.Ref));
                break;
        }
    }

    private void UnauthenticatedError(ChatSession session, ReadOnlySpan<byte> clientRef)
    {
        Metrics.Error(ErrorCode.Unauthenticated);
        session.Send(Frames.Error(ErrorCode.Unauthenticated, "authenticate first", clientRef));
    }

    private void ToRoom(ChatSession session, ShardCommandKind kind, in ClientCommand cmd)
    {
        Shard shard = ShardOf(ShardHash.Of(cmd.Room));
        ShardCommand command = ShardCommand.Create(kind, session, cmd.Room, cmd.Ref, kind == ShardCommandKind.Message ? cmd.Text : default);
        command.Flag = cmd.TypingStatus;
        Enqueue(session, shard, ref command);
    }

    private void History(ChatSession session, in ClientCommand cmd)
    {
        bool dm = !cmd.Dm.IsEmpty;
        Shard shard = dm ? ShardOf(ShardHash.OfPair(session.UserIdUtf8, cmd.Dm)) : ShardOf(ShardHash.Of(cmd.Room));
        ShardCommand command = ShardCommand.Create(dm ? ShardCommandKind.DmHistory : ShardCommandKind.History, session, dm ? cmd.Dm : cmd.Room, cmd.Ref);
        command.Since = cmd.Before ?? long.MaxValue;
        command.Limit = cmd.Limit ?? DefaultHistoryLimit;
        Enqueue(session, shard, ref command);
    }

    private void Dm(ChatSession session, in ClientCommand cmd)
    {
        ChatUser? recipient = Users.Find(cmd.To);
        if (recipient is null && !Persistent)
        {
            // §3: without storage a DM to nobody online would be lost; say so.
            Metrics.Error(ErrorCode.UserNotFound);
            session.Send(Frames.Error(ErrorCode.UserNotFound, "no such user online", cmd.Ref));
            return;
        }

        Shard shard = ShardOf(ShardHash.OfPair(session.UserIdUtf8, cmd.To));
        ShardCommand command = ShardCommand.Create(ShardCommandKind.Dm, session, cmd.To, cmd.Ref, cmd.Text);
        command.Recipient = recipient;
        Enqueue(session, shard, ref command);
    }

    private void Enqueue(ChatSession session, Shard shard, ref ShardCommand command)
    {
        if (shard.Queue.TryEnqueue(in command)) return;
        // The shard is this far behind: refuse rather than grow without bound.
        Metrics.Error(ErrorCode.ServerBusy);
        session.Send(Frames.Error(ErrorCode.ServerBusy, "server busy, retry later", command.Ref));
        command.ReturnData();
    }

    // PROTOCOL.md §5: message, dm and typing also count against the user's bucket, shared by their connections; for a
    // user connected to several nodes, the backplane's bucket, shared by every node (ChatEngine.Admission.cs).
    private bool TakeUserToken(ChatSession session, in ClientCommand cmd, long now, ReadOnlySpan<byte> json, int verdict)
    {
        int retryMs;
        switch (verdict)
        {
            case ClusterVerdict.Granted:
                return true;
            case > 0:
                retryMs = verdict;
                break;
            default:
                ChatUser user = session.User!;
                if (verdict == ClusterVerdict.Unchecked && user.OnSeveralNodes && _backplane is { IsConnected: true } backplane)
                {
                    AskClusterToken(session, user, json, backplane);
                    return false;
                }

                if (user.TryTake(now, out retryMs)) return true;
                break;
        }

        Metrics.RateLimited(Diagnostics.RateLimitBucket.User);
        RateLimited(session, cmd.Ref, retryMs, now);
        return false;
    }

    private void RateLimited(ChatSession session, ReadOnlySpan<byte> clientRef, int retryMs, long now)
    {
        // A client that goes on after rate_limited collects refusals and is closed (§5).
        if (session.Flood.RecordRejection(now))
        {
            Metrics.FloodClosed();
            session.Close(WebSocketCloseCode.PolicyViolation, CloseReasons.RateLimited);
            return;
        }

        Metrics.Error(ErrorCode.RateLimited);
        session.Send(Frames.Error(ErrorCode.RateLimited, "rate limit exceeded", clientRef, retryMs));
    }
}
