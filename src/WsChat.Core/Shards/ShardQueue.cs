using System.Collections.Concurrent;

namespace WsChat.Core.Shards;

/// <summary>
/// A shard's inbox: many producers (connection read paths, other shards, the storage writer, the
/// backplane), one consumer (the shard's thread), commands stored by value.
/// </summary>
/// <remarks>
/// <see cref="ConcurrentQueue{T}"/> keeps commands in ring segments that it reuses while the depth
/// stays within a segment, so a steady flow allocates nothing. The consumer sleeps on an event only
/// after announcing it (<see cref="_sleeping"/>) and checking the queue once more; a producer sets the
/// event only when it sees that announcement — so a busy shard costs producers no kernel call, and
/// no wake-up is lost (both sides fence with an interlocked operation between write and read).
/// The depth is bounded: past <see cref="Capacity"/> a producer is refused and answers <c>server_busy</c>.
/// </remarks>
internal sealed class ShardQueue : IDisposable
{
    private readonly ConcurrentQueue<ShardCommand> _items = new();
    // No spin before sleeping: the shard sleeps in the kernel at once. Spinning (50 rounds, most of them
    // sched_yield) cost a shard ~2 µs of CPU per delivery at 25,000 deliveries/s in the fixed-rate fan-out, for
    // a message that comes every few milliseconds; a producer's futex wake is paid once per command, not per
    // delivery (docs/benchmarks.md "Spinning before sleeping").
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private int _count;
    private int _sleeping;

    public ShardQueue(int capacity) => Capacity = capacity;

    /// <summary>Most commands waiting; past it <see cref="TryEnqueue"/> refuses.</summary>
    public int Capacity { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Queues a command; false (the command is not queued) when the queue is full.</summary>
    public bool TryEnqueue(in ShardCommand command)
    {
        if (Interlocked.Increment(ref _count) > Capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _items.Enqueue(command);
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Set();
        return true;
    }

    /// <summary>Queues a command past the bound: for work that must not be dropped (disconnects, completions).</summary>
    public void Enqueue(in ShardCommand command)
    {
        Interlocked.Increment(ref _count);
        _items.Enqueue(command);
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Set();
    }

    /// <summary>Takes the next command (consumer only).</summary>
    public bool TryDequeue(out ShardCommand command)
    {
        if (!_items.TryDequeue(out command)) return false;
        Interlocked.Decrement(ref _count);
        return true;
    }

    /// <summary>Consumer only: waits until a command may be waiting, a <see cref="Wake"/>, or the timeout.</summary>
    public void Wait(int timeoutMs)
    {
        _wake.Reset();
        Interlocked.Exchange(ref _sleeping, 1);
        if (!_items.IsEmpty)
        {
            Volatile.Write(ref _sleeping, 0);
            return;
        }

        _wake.Wait(timeoutMs);
        Volatile.Write(ref _sleeping, 0);
    }

    /// <summary>Wakes the consumer (to stop it, or to run out-of-band work).</summary>
    public void Wake() => _wake.Set();

    public void Dispose() => _wake.Dispose();
}
