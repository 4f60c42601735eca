using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WsChat.Core.Diagnostics;
using WsChat.Core.Ports;

namespace WsChat.Core.Storage;

/// <summary>
/// The group-commit writer between the shards and an <see cref="IMessageStore"/>: shards submit
/// messages without waiting, one writer task commits them in batches (one transaction, one fsync for
/// everything that queued up during the previous commit), and each message's outcome goes back to
/// the shard that submitted it (PROTOCOL.md §5: fan out and ack only after the message is stored).
/// </summary>
/// <remarks>
/// <para><see cref="TrySubmit"/> is lock-free, allocation-free in steady state and never blocks: it is
/// called on shard loops. Completions are delivered on the writer task, in submission order, exactly once
/// per accepted submission; a room's messages are submitted by its one shard in id order, so they also
/// commit and complete in id order.</para>
/// <para>Failure: a batch that throws or exceeds <see cref="MessageBatcherOptions.CommitTimeout"/> fails
/// all its messages (the shard answers <c>server_busy</c>); the next batches fail at once for a backoff
/// delay, then one tries storage again, so recovery needs no restart. A commit reported as failed may
/// still have reached the database (a connection lost during COMMIT): that message is then in history
/// although its sender was told <c>server_busy</c>; a retry with the same <c>ref</c> gets the original id.</para>
/// </remarks>
internal sealed partial class MessageBatcher : IAsyncDisposable
{
    private readonly IMessageStore _store;
    private readonly MessageBatcherOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly StorageMetrics? _metrics;
    private readonly Channel<Submission> _queue;
    private readonly CancellationTokenSource _abort = new();
    // Cancelled by DrainAsync: a batch waiting out MaxBatchDelay for company commits at once instead.
    private readonly CancellationTokenSource _flush = new();
    private readonly Submission[] _submissions;
    // Handed to the store by reference; replaced (not cleared) when a commit is abandoned still running.
    private StoredMessage[] _messages;
    private AppendOutcome[] _outcomes;
    private Task? _writer;
    private Task? _inFlight;
    private Task? _stuckCommit;        // a commit abandoned at its timeout and still running
    private long _retryAt;             // TimeProvider timestamp before which batches fail without trying
    private TimeSpan _retryDelay;
    private bool _failing;             // from a failed commit to the next successful one
    private int _pending;
    private int _submissionsTaken;     // entries of _submissions taken and not completed (for the abort path)
    private long _batches;
    private long _failedBatches;
    private long _storedMessages;
    private long _duplicateMessages;
    private long _failedMessages;

    /// <summary>Creates a stopped batcher; <see cref="Start"/> it before submitting.</summary>
    /// <param name="store">Where batches are written.</param>
    /// <param name="options">Batch size, delay, bounds and timeouts; defaults when null.</param>
    /// <param name="logger">Failed batches and recoveries are logged here.</param>
    /// <param name="time">The clock of the backoff and the timeouts (tests move it by hand).</param>
    /// <param name="metrics">Batch sizes, commit latency and failed batches (<c>ChatMetrics.Storage</c>).</param>
    public MessageBatcher(IMessageStore store, MessageBatcherOptions? options = null, ILogger? logger = null, TimeProvider? time = null, StorageMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new MessageBatcherOptions();
        _options.Validate();
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _metrics = metrics;
        _metrics?.ObservePending(() => Pending);
        _queue = Channel.CreateUnbounded<Submission>(new UnboundedChannelOptions
        {
            SingleReader = true,
            SingleWriter = false,
            // Never run the writer's continuation inline on a shard's thread.
            AllowSynchronousContinuations = false,
        });
        _submissions = new Submission[_options.MaxBatchSize];
        _messages = new StoredMessage[_options.MaxBatchSize];
        _outcomes = new AppendOutcome[_options.MaxBatchSize];
    }

    /// <summary>Submissions accepted and not yet completed.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Commits attempted against the store (successful or not).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Batches that failed, including those failed fast during the backoff.</summary>
    public long FailedBatches => Interlocked.Read(ref _failedBatches);

    /// <summary>False from a failed commit until a commit succeeds (see <see cref="StorageReadinessCheck"/>). Thread-safe.</summary>
    public bool IsHealthy => !Volatile.Read(ref _failing);

    /// <summary>Messages completed as <see cref="AppendStatus.Stored"/>.</summary>
    public long StoredMessages => Interlocked.Read(ref _storedMessages);

    /// <summary>Messages completed as <see cref="AppendStatus.Duplicate"/>.</summary>
    public long DuplicateMessages => Interlocked.Read(ref _duplicateMessages);

    /// <summary>Messages completed as <see cref="AppendStatus.Failed"/>.</summary>
    public long FailedMessages => Interlocked.Read(ref _failedMessages);

    /// <summary>Starts the writer task. Call once.</summary>
    public void Start()
    {
        if (_writer is not null) throw new InvalidOperationException("Already started.");
        _writer = Task.Run(RunAsync);
    }

    /// <summary>
    /// Queues a message for the next batch. Returns false, without queueing, when
    /// <see cref="MessageBatcherOptions.MaxPending"/> submissions are outstanding or the batcher is
    /// draining; the caller then answers <c>server_busy</c> itself. When it returns true,
    /// <paramref name="sink"/> gets exactly one completion for it. Thread-safe, never blocks.
    /// </summary>
    /// <param name="message">The message with its id assigned.</param>
    /// <param name="sink">Receives the completion on the writer task.</param>
    /// <param name="state">Returned in the completion (e.g. the sending connection's id).</param>
    public bool TrySubmit(in StoredMessage message, IAppendCompletionSink sink, long state = 0)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (Interlocked.Increment(ref _pending) > _options.MaxPending || !_queue.Writer.TryWrite(new Submission(message, sink, state)))
        {
            Interlocked.Decrement(ref _pending);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Stops accepting submissions and commits everything already accepted (graceful shutdown,
    /// PROTOCOL.md §5 "flush storage"). When <paramref name="cancellationToken"/> fires first, the commit
    /// in progress is abandoned and every remaining submission completes as failed. Idempotent.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        _flush.Cancel();
        if (_writer is null)
        {
            _writer = Task.Run(RunAsync);      // never started: still complete what was accepted
        }

        using CancellationTokenRegistration abort = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _abort);
        await _writer.ConfigureAwait(false);
    }

    /// <summary>Drains with no time limit on the commits (each commit still has its own timeout).</summary>
    public async ValueTask DisposeAsync()
    {
        await DrainAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        ChannelReader<Submission> reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
            {
                int count = Fill(reader, 0);
                if (count < _submissions.Length && _options.MaxBatchDelay > TimeSpan.Zero && !_flush.IsCancellationRequested)
                {
                    await WaitForCompanyAsync().ConfigureAwait(false);
                    count = Fill(reader, count);
                }

                await CommitAsync(count).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Drain deadline: fail what was taken for the batch in progress and everything still queued.
            if (_inFlight is { IsCompleted: false } commit) AbandonCommit(commit);
        }
        catch (Exception ex)
        {
            // A bug here must not leave submissions without a completion forever.
            LogWriterCrashed(_logger, ex);
        }

        _queue.Writer.TryComplete();
        Complete(_submissionsTaken, AppendStatus.Failed);
        while (true)
        {
            int count = Fill(reader, 0);
            if (count == 0) break;
            Complete(count, AppendStatus.Failed);
        }
    }

    // MaxBatchDelay: more messages may join the batch. A drain ends the wait (nothing more can join, and the
    // shutdown's deadline must not be spent waiting); a drain's deadline (_abort) ends everything.
    private async Task WaitForCompanyAsync()
    {
        try
        {
            await Task.Delay(_options.MaxBatchDelay, _time, _flush.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_flush.IsCancellationRequested)
        {
            _abort.Token.ThrowIfCancellationRequested();
        }
    }

    private int Fill(ChannelReader<Submission> reader, int count)
    {
        while (count < _submissions.Length && reader.TryRead(out Submission submission))
        {
            _submissions[count++] = submission;
        }

        _submissionsTaken = count;
        return count;
    }

    private async Task CommitAsync(int count)
    {
        if (count == 0) return;
        Interlocked.Increment(ref _batches);
        if (_time.GetTimestamp() < _retryAt || (_stuckCommit is { IsCompleted: false }))
        {
            Interlocked.Increment(ref _failedBatches);
            _metrics?.BatchFailed();
            Complete(count, AppendStatus.Failed);
            return;
        }

        for (int i = 0; i < count; i++)
        {
            _messages[i] = _submissions[i].Message;
            _outcomes[i] = default;
        }

        long started = Stopwatch.GetTimestamp();
        Task commit = _inFlight = _store.AppendBatchAsync(_messages.AsMemory(0, count), _outcomes.AsMemory(0, count), _abort.Token);
        try
        {
            // WaitAsync also bounds stores that ignore the token (SQLite's synchronous I/O).
            await commit.WaitAsync(_options.CommitTimeout, _time, _abort.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
        {
            if (!commit.IsCompleted) AbandonCommit(commit);
            _retryDelay = _retryDelay == TimeSpan.Zero ? _options.RetryDelay : TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            Volatile.Write(ref _failing, true);
            _retryAt = _time.GetTimestamp() + (long)(_retryDelay.TotalSeconds * _time.TimestampFrequency);
            Interlocked.Increment(ref _failedBatches);
            _metrics?.BatchFailed();
            LogBatchFailed(_logger, count, _retryDelay.TotalMilliseconds, ex);
            Complete(count, AppendStatus.Failed);
            return;
        }

        if (_failing)
        {
            LogStorageRecovered(_logger);
            _retryDelay = TimeSpan.Zero;
            Volatile.Write(ref _failing, false);
        }

        _metrics?.BatchCommitted(count, Stopwatch.GetElapsedTime(started));
        Complete(count, AppendStatus.None);
    }

    // The store may still read the batch and write outcomes: give it the arrays and take fresh ones, and
    // let no further commit start until it ends (the store sees at most one append at a time).
    private void AbandonCommit(Task commit)
    {
        _stuckCommit = commit.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        _messages = new StoredMessage[_messages.Length];
        _outcomes = new AppendOutcome[_outcomes.Length];
    }

    // Hands every taken submission its completion. status None: take each message's outcome from the store.
    private void Complete(int count, AppendStatus status)
    {
        long stored = 0, duplicates = 0, failed = 0;
        for (int i = 0; i < count; i++)
        {
            ref Submission submission = ref _submissions[i];
            AppendOutcome outcome = status == AppendStatus.None ? _outcomes[i] : new AppendOutcome(status);
            if (outcome.Status is not (AppendStatus.Stored or AppendStatus.Duplicate)) outcome = new AppendOutcome(AppendStatus.Failed);
            switch (outcome.Status)
            {
                case AppendStatus.Stored: stored++; break;
                case AppendStatus.Duplicate: duplicates++; break;
                default: failed++; break;
            }

            try
            {
                submission.Sink.OnAppendCompleted(new AppendCompletion(submission.Message, outcome, submission.State));
            }
            catch (Exception ex)
            {
                LogSinkThrew(_logger, ex);
            }

            submission = default;       // drop the references: the arrays live as long as the batcher
            _messages[i] = default;
        }

        _submissionsTaken = 0;
        Interlocked.Add(ref _storedMessages, stored);
        Interlocked.Add(ref _duplicateMessages, duplicates);
        Interlocked.Add(ref _failedMessages, failed);
        Interlocked.Add(ref _pending, -count);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Storage batch of {Count} messages failed; they are refused with server_busy, next attempt in {RetryMs} ms")]
    private static partial void LogBatchFailed(ILogger logger, int count, double retryMs, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Storage is available again")]
    private static partial void LogStorageRecovered(ILogger logger);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "An append completion sink threw; the completion is lost for its submitter")]
    private static partial void LogSinkThrew(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Critical, Message = "The storage batch writer crashed; pending messages are failed")]
    private static partial void LogWriterCrashed(ILogger logger, Exception exception);

    [DebuggerDisplay("{Message.Conversation} #{Message.Id}")]
    private readonly record struct Submission(StoredMessage Message, IAppendCompletionSink Sink, long State);
}
