using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Media;

/// <summary>
/// The one scheduler of a resource category (one activation in the cluster, key = the category's number). It hands
/// a slot to the highest-priority, oldest waiting job whose backoff has passed, and never has more jobs holding
/// slots than MEDIA_SLOTS_* : a job holds its slot from <c>Start</c> until its run reports its end, after its ffmpeg
/// process exited. Its memory is rebuilt from <c>jobs</c> on activation (RUNNING rows hold slots until their grains
/// say otherwise), and a periodic check against the rows repairs any notice that was lost with a silo.
/// </summary>
public sealed class MediaSchedulerGrain(NpgsqlDataSource db, MediaSettings settings, ILogger<MediaSchedulerGrain> logger)
    : Grain, IMediaSchedulerGrain
{
    private readonly record struct Waiting(int Priority, long Order, DateTime? RunAfter);

    private readonly Dictionary<Guid, Waiting> _queued = new();
    private readonly HashSet<Guid> _running = new();
    private long _order;
    private int _slots;
    private IGrainTimer? _timer;
    private DateTime _lastReconcile = DateTime.MinValue;

    private ResourceCategory Category => (ResourceCategory)this.GetPrimaryKeyLong();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _slots = settings.SlotsOf(Category);
        await LoadFromRows(cancellationToken);
        _timer = this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true });
        // Jobs found RUNNING may have lost their silo: activating their grains queues those again.
        foreach (var id in _running.ToList()) GrainFactory.GetGrain<IMediaJobGrain>(id).Check().Ignore();
    }

    private async Task LoadFromRows(CancellationToken cancellationToken)
    {
        var rows = await db.Command("""
            SELECT id, status, priority, run_after FROM jobs
            WHERE resource_category = @category AND status IN ('queued', 'running') AND type LIKE 'media.%'
            ORDER BY created_at, id
            """, ("category", Category)).ListAsync(r => (Id: r.GetGuid(0), Running: r.GetFieldValue<JobStatus>(1) == JobStatus.Running,
                Priority: r.GetInt32(2), RunAfter: r.IsDBNull(3) ? (DateTime?)null : r.GetDateTime(3)), cancellationToken);
        foreach (var row in rows)
        {
            if (row.Running) _running.Add(row.Id);
            else if (!_running.Contains(row.Id) && !_queued.ContainsKey(row.Id)) _queued[row.Id] = new Waiting(row.Priority, _order++, row.RunAfter);
        }
    }

    public async Task Enqueue(Guid jobId, int priority, DateTime? runAfter, bool endsRun)
    {
        // A late notice about a job that was handed its slot meanwhile must not free that slot.
        if (!endsRun && _running.Contains(jobId)) return;
        _running.Remove(jobId);
        _queued[jobId] = new Waiting(priority, _queued.TryGetValue(jobId, out var known) ? known.Order : _order++, runAfter);
        await Dispatch();
    }

    public async Task Finished(Guid jobId)
    {
        _running.Remove(jobId);
        _queued.Remove(jobId);
        await Dispatch();
    }

    public Task Remove(Guid jobId)
    {
        _queued.Remove(jobId);
        return Task.CompletedTask;
    }

    public Task<SchedulerSnapshot> Snapshot() => Task.FromResult(new SchedulerSnapshot(_slots, _running.ToList(), _queued.Count));

    private async Task Tick(CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow - _lastReconcile >= settings.CheckPeriod)
        {
            _lastReconcile = DateTime.UtcNow;
            await Reconcile(cancellationToken);
        }
        await Dispatch();
    }

    /// <summary>Repairs lost notices: slots held by jobs whose rows are no longer RUNNING, waiting rows this memory missed.</summary>
    private async Task Reconcile(CancellationToken cancellationToken)
    {
        if (_running.Count > 0)
        {
            var stillRunning = (await db.Command("SELECT id FROM jobs WHERE id = ANY(@ids) AND status = 'running'", ("ids", _running.ToArray()))
                .ListAsync(r => r.GetGuid(0), cancellationToken)).ToHashSet();
            foreach (var id in _running.Where(id => !stillRunning.Contains(id)).ToList())
            {
                logger.LogInformation("Media job {JobId} ended without telling its scheduler; its slot is free again", id);
                _running.Remove(id);
            }
            foreach (var id in stillRunning) GrainFactory.GetGrain<IMediaJobGrain>(id).Check().Ignore();
        }
        await LoadFromRows(cancellationToken);
    }

    private async Task Dispatch()
    {
        while (_running.Count < _slots)
        {
            var now = DateTime.UtcNow;
            Guid? next = null;
            Waiting best = default;
            foreach (var (id, waiting) in _queued)
            {
                if (waiting.RunAfter is { } after && after > now) continue;
                if (next is null || waiting.Priority > best.Priority || (waiting.Priority == best.Priority && waiting.Order < best.Order))
                    (next, best) = (id, waiting);
            }
            if (next is not { } jobId) return;
            _queued.Remove(jobId);
            _running.Add(jobId);
            bool started;
            try
            {
                started = await GrainFactory.GetGrain<IMediaJobGrain>(jobId).Start();
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Media job {JobId} could not be started; its reminder queues it again", jobId);
                started = false;
            }
            if (!started) _running.Remove(jobId);
        }
    }
}
