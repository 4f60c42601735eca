using System.Buffers;

namespace WsChat.Core.Protocol;

/// <summary>
/// A <see cref="ClientCommand"/> copied into one pooled array, so it can be queued to another thread and
/// outlive the message buffer. Made by <see cref="ClientCommand.Detach"/>.
/// </summary>
/// <remarks>
/// Owns a rented array: call <see cref="Dispose"/> exactly once, on whichever thread consumes it, and
/// do not use copies of the struct after that (a struct copy shares the array). 48 bytes plus the array.
/// Not thread-safe; hand it over, don't share it.
/// </remarks>
internal struct DetachedCommand : IDisposable
{
    private byte[]? _storage;
    // Field slices inside _storage; each packs (offset << 16 | length): fields are ≤ 64 KiB (the message size).
    private int _ref, _room, _text, _to, _token, _dm;

    public CommandType Type { get; private set; }
    public long? Since { get; private set; }
    public long? Before { get; private set; }
    public int? Limit { get; private set; }
    public bool TypingStatus { get; private set; }

    public readonly ReadOnlySpan<byte> Ref => Slice(_ref);
    public readonly ReadOnlySpan<byte> Room => Slice(_room);
    public readonly ReadOnlySpan<byte> Text => Slice(_text);
    public readonly ReadOnlySpan<byte> To => Slice(_to);
    public readonly ReadOnlySpan<byte> Token => Slice(_token);
    public readonly ReadOnlySpan<byte> Dm => Slice(_dm);

    internal static DetachedCommand From(in ClientCommand cmd)
    {
        int total = cmd.Ref.Length + cmd.Room.Length + cmd.Text.Length + cmd.To.Length + cmd.Token.Length + cmd.Dm.Length;
        var detached = new DetachedCommand
        {
            Type = cmd.Type,
            Since = cmd.Since,
            Before = cmd.Before,
            Limit = cmd.Limit,
            TypingStatus = cmd.TypingStatus,
        };
        if (total == 0) return detached;
        if (total > ushort.MaxValue) throw new ArgumentException("A command's fields exceed 64 KiB; the message size limit should have refused it.", nameof(cmd));

        byte[] storage = ArrayPool<byte>.Shared.Rent(total);
        int offset = 0;
        detached._ref = Append(storage, ref offset, cmd.Ref);
        detached._room = Append(storage, ref offset, cmd.Room);
        detached._text = Append(storage, ref offset, cmd.Text);
        detached._to = Append(storage, ref offset, cmd.To);
        detached._token = Append(storage, ref offset, cmd.Token);
        detached._dm = Append(storage, ref offset, cmd.Dm);
        detached._storage = storage;
        return detached;
    }

    /// <summary>Returns the storage to the pool; the spans are invalid afterwards.</summary>
    public void Dispose()
    {
        byte[]? storage = _storage;
        _storage = null;
        _ref = _room = _text = _to = _token = _dm = 0;
        if (storage is not null) ArrayPool<byte>.Shared.Return(storage);
    }

    private static int Append(byte[] storage, ref int offset, ReadOnlySpan<byte> value)
    {
        value.CopyTo(storage.AsSpan(offset));
        int packed = (offset << 16) | value.Length;
        offset += value.Length;
        return packed;
    }

    private readonly ReadOnlySpan<byte> Slice(int packed) =>
        packed == 0 || _storage is null ? default : _storage.AsSpan(packed >>> 16, packed & 0xFFFF);
}
