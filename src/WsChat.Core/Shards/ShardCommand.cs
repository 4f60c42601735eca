using System.Buffers;
using System.Runtime.InteropServices;
using WsChat.Core.Sessions;
using WsChat.Core.Users;

namespace WsChat.Core.Shards;

/// <summary>
/// One unit of work for a shard, queued by value (about 56 bytes). The variable parts — target
/// (room or user id), <c>ref</c> and text — are copied into one pooled array, because the message
/// they came from is only borrowed for the duration of the read callback.
/// </summary>
/// <remarks>The shard that runs the command returns the array with <see cref="ReturnData"/>.</remarks>
[StructLayout(LayoutKind.Auto)]
internal struct ShardCommand
{
    // Arrays of up to 64 KiB (a 4096-code-point text is at most 16 KiB of UTF-8), 1024 kept per
    // size class: enough for a deep queue without allocating in the steady state.
    private static readonly ArrayPool<byte> s_pool = ArrayPool<byte>.Create(64 * 1024, 1024);

    public ShardCommandKind Kind;
    /// <summary>For Typing: the status; for Join: whether <see cref="Since"/> was given.</summary>
    public bool Flag;
    public ushort TargetLength;
    public ushort RefLength;
    public int TextLength;
    public int Limit;
    public ChatSession? Session;
    public byte[]? Data;
    /// <summary>Join: <c>since</c>. History: <c>before</c> (0 = none).</summary>
    public long Since;
    /// <summary>For a DM: the recipient, looked up on the sender's path (null when offline).</summary>
    public ChatUser? Recipient;
    /// <summary>Stopwatch timestamp of the command's receipt, for the delivery latency histogram.</summary>
    public long ReceivedAt;

    public readonly long Before => Since;

    public readonly ReadOnlySpan<byte> Target => Data.AsSpan(0, TargetLength);

    public readonly ReadOnlySpan<byte> Ref => Data.AsSpan(TargetLength, RefLength);

    public readonly ReadOnlySpan<byte> Text => Data.AsSpan(TargetLength + RefLength, TextLength);

    public readonly bool HasRef => RefLength > 0;

    /// <summary>A command carrying copies of <paramref name="target"/>, <paramref name="clientRef"/> and <paramref name="text"/>.</summary>
    public static ShardCommand Create(ShardCommandKind kind, ChatSession? session, ReadOnlySpan<byte> target, ReadOnlySpan<byte> clientRef, ReadOnlySpan<byte> text = default)
    {
        var command = new ShardCommand { Kind = kind, Session = session, ReceivedAt = System.Diagnostics.Stopwatch.GetTimestamp() };
        int length = target.Length + clientRef.Length + text.Length;
        if (length > 0)
        {
            byte[] data = s_pool.Rent(length);
            target.CopyTo(data);
            clientRef.CopyTo(data.AsSpan(target.Length));
            text.CopyTo(data.AsSpan(target.Length + clientRef.Length));
            command.Data = data;
            command.TargetLength = checked((ushort)target.Length);
            command.RefLength = checked((ushort)clientRef.Length);
            command.TextLength = text.Length;
        }

        return command;
    }

    /// <summary>Gives the data array back to the pool; the spans are invalid afterwards.</summary>
    public void ReturnData()
    {
        if (Data is { } data)
        {
            Data = null;
            s_pool.Return(data);
        }
    }
}
