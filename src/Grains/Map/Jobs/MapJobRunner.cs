using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Map.Geocoding;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Map.Jobs;

/// <summary>
/// Runs one map job to its end, off the grain's scheduler (an import takes minutes; the grain must stay
/// responsive). A session advisory lock on the job id makes sure that only one runner works on a job even
/// if two activations ever coexist; a job interrupted by a silo's death stays "running" and is started
/// again by its grain's reminder: imports are idempotent, so starting over is safe. Its connections come from the
/// data source that resets sessions: the importers turn synchronous_commit off and create temporary tables.
/// </summary>
public sealed class MapJobRunner(
    [FromKeyedServices(Database.SessionStateKey)] NpgsqlDataSource db,
    LivePublisher live,
    GeocodingService geocoding,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<MapJobRunner> logger)
{
    public const int MaxAttempts = 3;
    private const int AdvisoryLockClass = 0x4d4a4f42; // "MJOB"

    public async Task RunAsync(Guid jobId)
    {
        var stopping = lifetime.ApplicationStopping;
        await using var connection = await db.OpenConnectionAsync(stopping);
        var lockKey = jobId.GetHashCode();
        if (!await connection.Command("SELECT pg_try_advisory_lock(@class, @key)", null, ("class", AdvisoryLockClass), ("key", lockKey)).ScalarAsync<bool>(stopping))
            return;
        var progress = new JobProgress(jobId, db, live, time);
        try
        {
            var job = await connection.Command("""
                UPDATE jobs SET status = 'running', started_at = coalesce(started_at, now()), attempts = attempts + 1, updated_at = now()
                WHERE id = @id AND status IN ('queued', 'running')
                RETURNING type, payload::text AS payload, created_by_user_id, started_at, attempts
                """, null, ("id", jobId))
                .FirstOrDefaultAsync(r => (Type: r.Get<string>("type"), Payload: r.Get<string>("payload"),
                    User: r.GetValueOrNull<Guid>("created_by_user_id"), StartedAt: r.Get<DateTime>("started_at"), Attempts: r.Get<int>("attempts")), stopping);
            if (job.Type is null) return;
            if (job.Attempts > MaxAttempts)
            {
                await Finish(jobId, progress, JobStatus.Failed, null, $"Gave up after {MaxAttempts} attempts.");
                return;
            }
            progress.Publish(JobStatus.Running);
            object summary = job.Type switch
            {
                MapJobTypes.NarImport => await new NarImporter(connection, db, progress, job.User, job.StartedAt,
                        JsonSerializer.Deserialize<NarImportOptions>(job.Payload, MapRows.JobJson) ?? new NarImportOptions())
                    .RunAsync(await UploadStream.FilesOf(db, jobId), stopping),
                MapJobTypes.CsvImport => await new CsvImporter(connection, db, progress, job.User)
                    .RunAsync(await UploadStream.FilesOf(db, jobId), stopping),
                MapJobTypes.BulkGeocode => await new BulkGeocoder(db, geocoding, progress, job.User)
                    .RunAsync(JsonSerializer.Deserialize<BulkGeocodeRequest>(job.Payload, MapRows.JobJson)!, stopping),
                _ => throw new InvalidOperationException($"Unknown map job type {job.Type}."),
            };
            await Finish(jobId, progress, JobStatus.Completed, JsonSerializer.Serialize(summary, MapRows.JobJson), null);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            logger.LogInformation("Map job {JobId} interrupted by shutdown; its reminder resumes it", jobId);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Map job {JobId} failed", jobId);
            await Finish(jobId, progress, JobStatus.Failed, null, ex.Message);
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
                await connection.Command("SELECT pg_advisory_unlock(@class, @key)", null, ("class", AdvisoryLockClass), ("key", lockKey))
                    .ExecuteAsync(CancellationToken.None);
        }
    }

    private async Task Finish(Guid jobId, JobProgress progress, JobStatus status, string? resultJson, string? error)
    {
        // The NAR location map of an interrupted run (named after the job id) goes with the uploaded files.
        await db.Command($"""
            UPDATE jobs SET status = @status, processed = @processed, total = @total, progress = @progress, result = @result::jsonb,
                error = @error, errors = @errors::jsonb, completed_at = now(), updated_at = now()
            WHERE id = @id;
            DELETE FROM map_import_files WHERE job_id = @id;
            DROP TABLE IF EXISTS map_nar_loc_{jobId:N};
            """, ("id", jobId), ("status", status), ("processed", progress.Processed), ("total", progress.Total ?? progress.Processed),
            ("progress", status == JobStatus.Completed ? 100 : progress.Percent), ("result", resultJson), ("error", error),
            ("errors", progress.ErrorsJson)).ExecuteAsync(CancellationToken.None);
        progress.Publish(status);
    }
}
