using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Media;

/// <summary>
/// One media job. Its row in <c>jobs</c> is the state: the grain loads it on activation, decides cancel, retry and
/// priority against it and writes through a version-checked UPDATE. The job runs only when its category's
/// scheduler hands it a slot (<see cref="Start"/>); the work runs off the grain's scheduler and reports its end back
/// through <see cref="Complete"/>, after its ffmpeg process has exited, which writes the row and gives the slot back.
/// Every notice to the scheduler carries the row's version after the write it follows (the job's generation); the
/// only writes after a run's start are its end and a cancel (which sends nothing while the process lives), so the
/// scheduler frees a slot only on a notice newer than the run's start.
/// A reminder stays registered while the job is waiting or running: if the silo running it dies, the next tick
/// activates the grain elsewhere, which finds the row RUNNING with no run of its own and queues the job again.
/// </summary>
public sealed class MediaJobGrain(
    NpgsqlDataSource db,
    MediaSettings settings,
    MediaWork work,
    LivePublisher live,
    ILocalSiloDetails silo,
    IHostApplicationLifetime lifetime,
    ILogger<MediaJobGrain> logger) : Grain, IMediaJobGrain, IRemindable
{
    private const string ReminderName = "media-job";
    private MediaJob? _job;
    private int _version;
    private CancellationTokenSource? _cancel;
    private Task? _run;
    private IGrainTimer? _keepAlive;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await Load();
        // No run of this activation: the silo that ran this attempt is gone. The attempt counts; the job goes back in the queue.
        if (_job is { Status: JobStatus.Running }) await RecoverLostRun("the silo running it stopped", cancellationToken);
    }

    /// <summary>The row says RUNNING but no run of this activation is under way: that attempt ended unreported and counts as interrupted.</summary>
    private async Task RecoverLostRun(string why, CancellationToken cancellationToken = default)
    {
        var job = Current;
        StopKeepAlive();
        _run = null;
        await db.Command("""
            UPDATE media_job_runs SET ended_at = clock_timestamp(), outcome = 'interrupted' WHERE job_id = @id AND attempt = @attempt AND ended_at IS NULL
            """, ("id", Id), ("attempt", job.Attempts)).ExecuteAsync(cancellationToken);
        await MediaRows.AppendLog(db, Id, $"Attempt {job.Attempts} was interrupted: {why}.", cancellationToken);
        logger.LogWarning("Media job {JobId}: attempt {Attempt} was interrupted ({Why}); queueing it again", Id, job.Attempts, why);
        await AfterFailure($"Interrupted: {why}.");
        Publish();
    }

    private async Task Load()
    {
        var row = await db.Command($"SELECT {MediaRows.JobColumns} FROM jobs j WHERE j.id = @id", ("id", Id))
            .FirstOrDefaultAsync(r => (Job: MediaRows.ReadJob(r, withLog: false), Version: r.Get<int>("version")));
        _job = row.Job is { } job && MediaJobTypes.IsMediaJob(job.Type) ? job : null;
        _version = row.Version;
    }

    private MediaJob Current => _job ?? throw DomainException.NotFound("Job");

    public async Task<MediaJob> Create(MediaJobSpec spec)
    {
        if (_job is not null) throw DomainException.Conflict("This job exists already.");
        if (!MediaJobTypes.IsMediaJob(spec.Type)) throw DomainException.Invalid("type", "is not a media job type.");
        var inserted = await db.Command("""
            INSERT INTO jobs (id, type, resource_category, status, priority, payload, max_attempts, created_by_user_id)
            VALUES (@id, @type, @category, 'queued', @priority, @payload::jsonb, @max, (SELECT id FROM users WHERE id = @user))
            ON CONFLICT (id) DO NOTHING
            """, ("id", Id), ("type", spec.Type), ("category", spec.Category), ("priority", spec.Priority), ("payload", spec.PayloadJson),
            ("max", spec.MaxAttempts ?? settings.MaxAttempts), ("user", spec.UserId)).ExecuteAsync();
        if (inserted == 0) throw DomainException.Conflict("This job exists already.");
        await Load();
        await MediaRows.AppendLog(db, Id, $"Queued ({spec.Type}, {EnumWireNames.ToWireName(spec.Category)}, priority {spec.Priority}).");
        await this.RegisterOrUpdateReminder(ReminderName, settings.CheckPeriod, settings.CheckPeriod);
        Notify();
        Publish();
        return await Get();
    }

    public async Task<MediaJob> Get()
    {
        _ = Current;
        return (await db.Command($"SELECT {MediaRows.JobColumns} FROM jobs j WHERE j.id = @id", ("id", Id)).FirstOrDefaultAsync(r => MediaRows.ReadJob(r)))
            ?? throw DomainException.NotFound("Job");
    }

    public async Task<JobStatus> Check()
    {
        var job = Current;
        if (job.Status == JobStatus.Queued) Notify();
        else if (job.Status == JobStatus.Running && _run is not { IsCompleted: false } && !lifetime.ApplicationStopping.IsCancellationRequested)
            await RecoverLostRun("its end was never reported");
        return Current.Status;
    }

    public async Task<MediaJob> Cancel()
    {
        var job = Current;
        if (job.Status is not (JobStatus.Pending or JobStatus.Queued or JobStatus.Running))
            throw DomainException.Conflict($"The job is {EnumWireNames.ToWireName(job.Status)}; only a waiting or running job can be cancelled.");
        await Commit("status = 'cancelled', completed_at = now(), run_after = NULL");
        await MediaRows.AppendLog(db, Id, "Cancelled.");
        if (_run is { IsCompleted: false })
        {
            // Stops ffmpeg; the run's Complete gives the slot back once the process has exited.
            _cancel?.Cancel();
        }
        else
        {
            Notify();
            await DropReminder();
        }
        Publish();
        return await Get();
    }

    public async Task<MediaJob> Retry()
    {
        var job = Current;
        if (job.Status is not (JobStatus.Failed or JobStatus.Cancelled))
            throw DomainException.Conflict($"The job is {EnumWireNames.ToWireName(job.Status)}; only a failed or cancelled job can be retried.");
        if (_run is { IsCompleted: false }) throw DomainException.Conflict("The job is still stopping; retry in a moment.");
        await Commit("status = 'queued', attempts = 0, run_after = NULL, error = NULL, progress = 0, processed = 0, completed_at = NULL");
        await MediaRows.AppendLog(db, Id, "Queued again by hand.");
        await this.RegisterOrUpdateReminder(ReminderName, settings.CheckPeriod, settings.CheckPeriod);
        Notify();
        Publish();
        return await Get();
    }

    public async Task<MediaJob> SetPriority(int priority)
    {
        var job = Current;
        if (job.Status is not (JobStatus.Pending or JobStatus.Queued or JobStatus.Running))
            throw DomainException.Conflict($"The job is {EnumWireNames.ToWireName(job.Status)}; its priority no longer matters.");
        await Commit("priority = @priority", ("priority", priority));
        // While it runs the new priority waits for a later queueing; a notice now would be older than the run's end.
        if (_job!.Status == JobStatus.Queued) Notify();
        return await Get();
    }

    public async Task<JobStartAnswer> Start()
    {
        // A run still under way (or being stopped) keeps the slot it holds, whatever the scheduler thought.
        if (_run is { IsCompleted: false }) return new JobStartAnswer(true, _version);
        if (_job is not { Status: JobStatus.Queued } job) return new JobStartAnswer(false, _version);
        await Commit("status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now()), run_after = NULL, error = NULL");
        var generation = _version;
        var attempt = _job!.Attempts;
        await db.Command("""
            INSERT INTO media_job_runs (job_id, attempt, category, silo) VALUES (@id, @attempt, @category, @silo)
            ON CONFLICT (job_id, attempt) DO UPDATE SET started_at = clock_timestamp(), ended_at = NULL, outcome = NULL, silo = excluded.silo
            """, ("id", Id), ("attempt", attempt), ("category", job.ResourceCategory), ("silo", silo.SiloAddress.ToString())).ExecuteAsync();
        Publish();

        _cancel = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
        var token = _cancel.Token;
        var stopping = lifetime.ApplicationStopping;
        var self = this.AsReference<IMediaJobGrain>();
        var context = new MediaJobContext(Id, job.Type, await Payload(), db, live, logger);
        _keepAlive ??= this.RegisterGrainTimer(_ => Task.CompletedTask, new GrainTimerCreationOptions(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5))
        {
            KeepAlive = true,
            Interleave = true,
        });
        _run = Task.Run(async () =>
        {
            bool succeeded = false, cancelled = false;
            string? result = null, error = null;
            try
            {
                await MediaRows.AppendLog(db, Id, $"Attempt {attempt} started on {silo.SiloAddress}.", token);
                result = await work.RunAsync(context, token);
                succeeded = true;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // The silo is stopping: the row stays RUNNING and the job's reminder runs it again on another silo.
                return;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                cancelled = true;
            }
            catch (Exception ex)
            {
                error = ex is DomainException domain ? domain.Message : ex.Message;
            }
            if (stopping.IsCancellationRequested) return;
            try
            {
                await context.FlushAsync();
                await db.Command("UPDATE media_job_runs SET ended_at = clock_timestamp(), outcome = @outcome WHERE job_id = @id AND attempt = @attempt",
                    ("id", Id), ("attempt", attempt), ("outcome", succeeded ? "completed" : cancelled ? "cancelled" : "failed")).ExecuteAsync();
                await self.Complete(attempt, succeeded, cancelled, result, error);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Media job {JobId} could not report the end of attempt {Attempt}; its reminder will", Id, attempt);
            }
        }, CancellationToken.None);
        return new JobStartAnswer(true, generation);
    }

    public async Task Complete(int runId, bool succeeded, bool cancelled, string? resultJson, string? error)
    {
        var job = Current;
        if (job.Attempts != runId) return;
        _run = null;
        StopKeepAlive();
        // Every run ends with a write once its process has exited, so the notice giving the slot back is newer than the
        // run's start (and than a cancel written while the process was being stopped).
        if (job.Status == JobStatus.Cancelled || cancelled)
        {
            await Commit("status = 'cancelled', completed_at = now()");
            Notify();
            await DropReminder();
        }
        else if (job.Status != JobStatus.Running)
        {
            await Commit("completed_at = completed_at");
            Notify();
        }
        else if (succeeded)
        {
            await Commit("status = 'completed', progress = 100, result = @result::jsonb, completed_at = now()", ("result", resultJson ?? "{}"));
            await MediaRows.AppendLog(db, Id, $"Attempt {runId} completed.");
            Notify();
            await DropReminder();
        }
        else
        {
            await MediaRows.AppendLog(db, Id, $"Attempt {runId} failed: {error}");
            await AfterFailure(error ?? "failed");
        }
        Publish();
    }

    /// <summary>Queues the job again after a backoff that doubles per attempt, or fails it once its attempts are spent.</summary>
    private async Task AfterFailure(string error)
    {
        var job = Current;
        if (job.Attempts >= job.MaxAttempts)
        {
            await Commit("status = 'failed', error = @error, completed_at = now()", ("error", error));
            await MediaRows.AppendLog(db, Id, $"Failed after {job.Attempts} attempts.");
            Notify();
            await DropReminder();
            return;
        }
        var delay = settings.RetryBase * Math.Pow(2, Math.Max(0, job.Attempts - 1));
        var runAfter = DateTime.UtcNow + delay;
        await Commit("status = 'queued', error = @error, run_after = @after", ("error", error), ("after", runAfter));
        await MediaRows.AppendLog(db, Id, $"Retrying in {delay.TotalSeconds:0.###} s.");
        Notify();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName) return;
        if (_job is null or { Status: JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled } && _run is not { IsCompleted: false })
            await DropReminder();
        else if (_job is { Status: JobStatus.Queued })
            Notify();
        else if (_job is { Status: JobStatus.Running } && _run is not { IsCompleted: false } && !lifetime.ApplicationStopping.IsCancellationRequested)
            await RecoverLostRun("its end was never reported");
    }

    private IMediaSchedulerGrain Scheduler => GrainFactory.GetGrain<IMediaSchedulerGrain>((long)Current.ResourceCategory);

    /// <summary>
    /// Tells the scheduler where the job stands after the write just made, with that write's generation: waiting (with
    /// its priority and backoff) or ended. Not awaited, so the job and its scheduler never wait on each other.
    /// </summary>
    private void Notify()
    {
        var job = Current;
        if (job.Status == JobStatus.Queued) Scheduler.Queued(Id, _version, job.Priority, job.RunAfter).Ignore();
        else if (job.Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled) Scheduler.Ended(Id, _version).Ignore();
    }

    private void StopKeepAlive()
    {
        _cancel?.Dispose();
        _cancel = null;
        _keepAlive?.Dispose();
        _keepAlive = null;
    }

    private async Task<string> Payload() =>
        await db.Command("SELECT payload::text FROM jobs WHERE id = @id", ("id", Id)).ScalarAsync<string>() ?? "{}";

    private async Task Commit(string assignments, params (string Name, object? Value)[] parameters)
    {
        var all = parameters.Concat([("id", (object?)Id), ("version", _version)]).ToArray();
        var updated = await db.Command($"""
            UPDATE jobs AS j SET {assignments}, version = version + 1, updated_at = now()
            WHERE id = @id AND version = @version
            RETURNING {MediaRows.JobColumns}
            """, all).FirstOrDefaultAsync(r => (Job: MediaRows.ReadJob(r, withLog: false), Version: r.Get<int>("version")));
        if (updated.Job is null)
        {
            await Load();
            throw DomainException.Conflict("The job was changed meanwhile; reload and try again.");
        }
        (_job, _version) = updated;
    }

    private void Publish()
    {
        if (_job is { } job)
            live.Publish(LiveTopics.Job(Id), "jobProgress", new { jobId = Id, status = job.Status, progress = job.Progress, processed = job.Processed, total = job.Total });
    }

    private async Task DropReminder()
    {
        var reminder = await this.GetReminder(ReminderName);
        if (reminder is not null) await this.UnregisterReminder(reminder);
    }
}
