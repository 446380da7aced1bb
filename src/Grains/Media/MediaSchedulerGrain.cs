using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Media;

/// <summary>
/// The one scheduler of a resource category (one activation in the cluster, key = the category's number). It owns
/// admission: only it hands out slots, to the highest-priority, oldest waiting job whose backoff has passed, and a job
/// runs only after it was handed one (<see cref="IMediaJobGrain.Start"/>). The bookkeeping is a
/// <see cref="MediaSlotBook"/>: each job notice carries the generation (row version) of the write it follows, a slot is
/// recorded with the generation of the run's start, and only a notice newer than that start gives the slot back; so a
/// late or duplicated notice never frees a slot whose run is under way, and at no moment are more jobs running than
/// MEDIA_SLOTS_*. Its memory is rebuilt from <c>jobs</c> on activation (running rows and open runs hold slots), and a
/// periodic check against the rows repairs any notice that was lost with a silo.
/// </summary>
public sealed class MediaSchedulerGrain(NpgsqlDataSource db, MediaSettings settings, ILogger<MediaSchedulerGrain> logger)
    : Grain, IMediaSchedulerGrain
{
    private MediaSlotBook _book = null!;
    private IGrainTimer? _timer;
    private DateTime _lastReconcile = DateTime.MinValue;

    private ResourceCategory Category => (ResourceCategory)this.GetPrimaryKeyLong();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _book = new MediaSlotBook(settings.SlotsOf(Category));
        await ReadRows([], cancellationToken);
        _lastReconcile = DateTime.UtcNow;
        _timer = this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true });
        // Jobs found running may have lost their silo: activating their grains queues those again.
        foreach (var id in _book.Holding.ToList()) GrainFactory.GetGrain<IMediaJobGrain>(id).Check().Ignore();
    }

    public async Task<bool> Queued(Guid jobId, int generation, int priority, DateTime? runAfter)
    {
        var taken = _book.Queued(jobId, generation, priority, runAfter);
        if (!taken) logger.LogDebug("Media job {JobId}: a notice of generation {Generation} is stale and was ignored", jobId, generation);
        await Dispatch();
        return taken;
    }

    public async Task<bool> Ended(Guid jobId, int generation)
    {
        var taken = _book.Ended(jobId, generation, DateTime.UtcNow);
        await Dispatch();
        return taken;
    }

    public Task<SchedulerSnapshot> Snapshot() =>
        Task.FromResult(new SchedulerSnapshot(_book.Slots, _book.Holding.ToList(), _book.Waiting.Count, _book.Waiting.ToList()));

    private async Task Tick(CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow - _lastReconcile >= settings.CheckPeriod)
        {
            _lastReconcile = DateTime.UtcNow;
            await Reconcile(cancellationToken);
        }
        await Dispatch();
    }

    /// <summary>
    /// Repairs lost notices: asks again the jobs whose start gave no answer, then reads the rows of every job this book
    /// holds a slot for and of every waiting row of the category.
    /// </summary>
    private async Task Reconcile(CancellationToken cancellationToken)
    {
        foreach (var id in _book.UnknownStarts.ToList()) await AskToStart(id);
        var holding = _book.Holding.ToArray();
        await ReadRows(holding, cancellationToken);
        foreach (var id in _book.Holding.ToList()) GrainFactory.GetGrain<IMediaJobGrain>(id).Check().Ignore();
        _book.ForgetEndedBefore(DateTime.UtcNow - TimeSpan.FromMinutes(10));
    }

    private async Task ReadRows(Guid[] holding, CancellationToken cancellationToken)
    {
        var rows = await db.Command("""
            SELECT j.id, j.version, j.status, j.priority, j.run_after,
                   EXISTS (SELECT 1 FROM media_job_runs r WHERE r.job_id = j.id AND r.ended_at IS NULL) AS run_open
            FROM jobs j
            WHERE j.type LIKE 'media.%'
              AND ((j.resource_category = @category AND j.status IN ('queued', 'running'))
                   OR j.id = ANY(@holding)
                   OR j.id IN (SELECT r.job_id FROM media_job_runs r WHERE r.category = @category AND r.ended_at IS NULL))
            ORDER BY j.created_at, j.id
            """, ("category", Category), ("holding", holding))
            .ListAsync(r => (Id: r.GetGuid(0), Version: r.GetInt32(1), Status: r.GetFieldValue<JobStatus>(2), Priority: r.GetInt32(3),
                RunAfter: r.IsDBNull(4) ? (DateTime?)null : r.GetDateTime(4), RunOpen: r.GetBoolean(5)), cancellationToken);
        var now = DateTime.UtcNow;
        foreach (var row in rows)
        {
            var held = _book.StartOf(row.Id) is not null;
            _book.Observe(row.Id, row.Version, row.Status == JobStatus.Running, row.RunOpen, row.Status == JobStatus.Queued,
                row.Priority, row.RunAfter, now);
            if (held && _book.StartOf(row.Id) is null)
                logger.LogInformation("Media job {JobId} ended without its notice reaching the scheduler; its slot is free again", row.Id);
        }
        foreach (var id in holding.Except(rows.Select(r => r.Id))) _book.Forget(id);
    }

    private async Task Dispatch()
    {
        while (_book.Admit(DateTime.UtcNow) is { } jobId) await AskToStart(jobId);
    }

    /// <summary>
    /// Hands the job its slot. The answer says whether it runs and since which generation; with no answer the slot stays
    /// held (its start unknown) until the next check asks again, since the job may have started all the same.
    /// </summary>
    private async Task AskToStart(Guid jobId)
    {
        try
        {
            var answer = await GrainFactory.GetGrain<IMediaJobGrain>(jobId).Start();
            if (answer.Runs) _book.Started(jobId, answer.Generation);
            else _book.Declined(jobId, answer.Generation);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Media job {JobId} did not answer its start; its slot stays held until it is asked again", jobId);
        }
    }
}
