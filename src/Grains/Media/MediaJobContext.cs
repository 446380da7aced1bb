using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Media;

/// <summary>
/// What a running job's work sees: its payload, a log, and progress that is written to the jobs row and published on
/// <c>job:{id}</c> at most every quarter second (and once more at the end), so reporting costs nothing next to ffmpeg.
/// </summary>
public sealed class MediaJobContext(Guid jobId, string type, string payloadJson, NpgsqlDataSource db, LivePublisher live, ILogger logger)
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromMilliseconds(250);
    private readonly Lock _gate = new();
    private long _processed;
    private long? _total;
    private int _percent;
    private DateTime _lastReport = DateTime.MinValue;
    private Task _pending = Task.CompletedTask;

    public Guid JobId { get; } = jobId;
    public string Type { get; } = type;
    public string PayloadJson { get; } = payloadJson;
    public NpgsqlDataSource Db { get; } = db;

    public Task Log(string line, CancellationToken cancellationToken = default) => MediaRows.AppendLog(Db, JobId, line, cancellationToken);

    /// <summary>Progress in units of work (files, seconds of output); <paramref name="total"/> null keeps the last total.</summary>
    public void Report(long processed, long? total = null)
    {
        lock (_gate)
        {
            _processed = processed;
            if (total is not null) _total = total;
            _percent = _total is > 0 ? (int)Math.Clamp(_processed * 100 / _total.Value, 0, 99) : 0;
            var now = DateTime.UtcNow;
            if (now - _lastReport < ReportEvery || !_pending.IsCompleted) return;
            _lastReport = now;
            _pending = Write();
        }
    }

    public async Task FlushAsync()
    {
        Task pending;
        lock (_gate) pending = _pending;
        await pending;
        await Write();
    }

    private async Task Write()
    {
        long processed; long? total; int percent;
        lock (_gate) (processed, total, percent) = (_processed, _total, _percent);
        try
        {
            await Db.Command("UPDATE jobs SET progress = @progress, processed = @processed, total = @total WHERE id = @id AND status = 'running'",
                ("id", JobId), ("progress", percent), ("processed", processed), ("total", total)).ExecuteAsync();
            live.Publish(LiveTopics.Job(JobId), "jobProgress", new { jobId = JobId, status = JobStatus.Running, progress = percent, processed, total });
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not store the progress of media job {JobId}", JobId);
        }
    }
}
