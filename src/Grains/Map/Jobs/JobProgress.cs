using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Map.Jobs;

/// <summary>
/// A running job's counters and bad rows. Written to the jobs row and published on <c>job:{id}</c> at most
/// twice a second, so progress costs nothing next to the work; only the first errors are kept in full.
/// </summary>
public sealed class JobProgress(Guid jobId, NpgsqlDataSource db, LivePublisher live, TimeProvider time)
{
    public const int MaxStoredErrors = 1000;
    private static readonly TimeSpan ReportEvery = TimeSpan.FromMilliseconds(500);
    private readonly List<JobError> _errors = [];
    private DateTimeOffset _lastReport = DateTimeOffset.MinValue;

    public Guid JobId { get; } = jobId;
    public long Processed { get; set; }
    public long? Total { get; set; }
    public long ErrorCount { get; private set; }
    public IReadOnlyList<JobError> Errors => _errors;

    public void Error(string? file, long? line, string message)
    {
        ErrorCount++;
        if (_errors.Count < MaxStoredErrors) _errors.Add(new JobError(file, line, message));
    }

    public int Percent => Total is > 0 ? (int)Math.Clamp(Processed * 100 / Total.Value, 0, 100) : 0;

    public async Task ReportAsync(bool force = false, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (!force && now - _lastReport < ReportEvery) return;
        _lastReport = now;
        await db.Command("""
            UPDATE jobs SET processed = @processed, total = @total, progress = @progress, errors = @errors::jsonb, updated_at = now()
            WHERE id = @id
            """, ("id", JobId), ("processed", Processed), ("total", Total), ("progress", Percent),
            ("errors", JsonSerializer.Serialize(_errors, MapRows.JobJson))).ExecuteAsync(cancellationToken);
        Publish(JobStatus.Running);
    }

    public void Publish(JobStatus status) =>
        live.Publish(LiveTopics.Job(JobId), "jobProgress", new { jobId = JobId, status, processed = Processed, total = Total });

    public string ErrorsJson => JsonSerializer.Serialize(_errors, MapRows.JobJson);
}
