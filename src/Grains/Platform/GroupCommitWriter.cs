using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Platform;

/// <summary>
/// Group commit across the grains of a silo: each grain decides what it wants written, hands it over and
/// awaits; each of a few loops takes whatever is queued (up to a batch's weight) and writes it in one
/// transaction, answering every caller only after that transaction committed. A thousand grains writing at
/// once then cost a handful of commits, not a thousand.
/// </summary>
public abstract class GroupCommitWriter<TItem, TResult> : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _maxBatchWeight;
    private Task[] _loops = [];

    protected sealed record Pending(TItem Item, TaskCompletionSource<TResult> Done)
    {
        /// <summary>When the grain handed it over (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), for the wait metric.</summary>
        public long EnqueuedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    protected GroupCommitWriter(int maxBatchWeight) => _maxBatchWeight = maxBatchWeight;

    /// <summary>Starts the writing loops; the derived constructor calls it last, once its own fields are set.</summary>
    protected void Start(int writers) => _loops = Enumerable.Range(0, writers).Select(_ => Task.Run(Loop)).ToArray();

    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>How much of a batch's weight one item takes (a trail's points, say); one by default.</summary>
    protected virtual int Weight(TItem item) => 1;

    /// <summary>Writes the batch in one transaction and answers every caller in it, with a result or an exception.</summary>
    protected abstract Task WriteBatch(List<Pending> batch);

    /// <summary>
    /// Writes the batch with <paramref name="writeAndAnswer"/>; when it fails as a whole because of one item (nothing
    /// of it was committed), writes each item alone, so only the callers of the item at fault get the error.
    /// </summary>
    protected static async Task WriteSplittingOnFailure(List<Pending> batch, Func<List<Pending>, Task> writeAndAnswer,
        Func<PostgresException, bool> spoiledByOneItem, ILogger logger, string what)
    {
        try
        {
            await writeAndAnswer(batch);
        }
        catch (PostgresException ex) when (batch.Count > 1 && spoiledByOneItem(ex))
        {
            foreach (var pending in batch)
            {
                try
                {
                    await writeAndAnswer([pending]);
                }
                catch (Exception single)
                {
                    pending.Done.TrySetException(single);
                }
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not write {Count} {What}", batch.Count, what);
            foreach (var pending in batch) pending.Done.TrySetException(ex);
        }
    }

    public Task<TResult> WriteAsync(TItem item)
    {
        var pending = new Pending(item, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending)) throw new InvalidOperationException("The silo is stopping.");
        return pending.Done.Task;
    }

    private async Task Loop()
    {
        var batch = new List<Pending>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stopping.Token))
            {
                var weight = 0;
                while (weight < _maxBatchWeight && _queue.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                    weight += Weight(next.Item);
                }
                if (batch.Count == 0) continue;
                await WriteBatch(batch);
                Metrics.ChangemakerMetrics.GroupCommit(GetType().Name, batch.Count, weight, batch[0].EnqueuedAt);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        foreach (var pending in batch) pending.Done.TrySetException(new InvalidOperationException("The silo is stopping."));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAny(Task.WhenAll(_loops), Task.Delay(TimeSpan.FromSeconds(5)));
        await _stopping.CancelAsync();
        while (_queue.Reader.TryRead(out var pending)) pending.Done.TrySetException(new InvalidOperationException("The silo is stopping."));
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
