using System.Diagnostics;
using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// The single writer of one GPS trail (keyed by its canvass session id). Calls interleave so that
/// requests arriving while a write is in flight are gathered into the next one (group commit per
/// trail, and the <see cref="TrackWriter"/> packs trails of the whole silo into one transaction);
/// every piece of state is only changed between awaits, and only one write is in flight at a time,
/// so versions advance one by one.
///
/// It also watches its canvasser's safety as points arrive (<see cref="SafetyWatch"/>: stationary, outside the cut),
/// in memory, raising an alert only once a condition holds; a timer catches a canvasser who stood still and whose
/// fixes then stopped. <see cref="SafetySweepGrain"/> backs it up for trails no activation watches.
/// </summary>
[Reentrant]
public sealed class TrackingSessionGrain(
    NpgsqlDataSource db,
    TrackWriter writer,
    LivePublisher live,
    CanvassSettings settings,
    CutAddressCache cuts,
    [FromKeyedServices(CanvassClock.Key)] TimeProvider time,
    ILogger<TrackingSessionGrain> logger) : Grain, ITrackingSessionGrain
{
    private static readonly TimeSpan MoveInterval = TimeSpan.FromSeconds(1);

    private sealed record Request(IReadOnlyList<TrackPointInput> Points, TaskCompletionSource<PointsResult> Done);

    private Trail? _trail;
    private HashSet<long> _seen = [];
    private List<Request> _pending = [];
    private Task? _flushing;
    private bool _closing;

    private long _lastMovePublished = long.MinValue;
    private IGrainTimer? _moveTimer;

    private SafetyWatch _watch = null!;
    private IGrainTimer? _stationaryTimer;

    private sealed class Trail
    {
        public Guid Id;
        public Guid SessionId;
        public Guid UserId;
        public Guid? CutId;
        public Guid? ShiftId;
        public bool IsActive;
        public int Version;
        public int TotalPoints;
        public TrackOdometer Odometer = new();
    }

    private Guid SessionId => this.GetPrimaryKey();

    public async Task<PointsResult> AddPoints(Caller caller, IReadOnlyList<TrackPointInput> points)
    {
        var trail = await Load() ?? throw DomainException.NotFound("The session");
        if (caller.UserId != trail.UserId)
            throw DomainException.Forbidden("Only the canvasser who owns the session records its trail.");
        if (!trail.IsActive || _closing) throw DomainException.Conflict("The session is not active; its trail is closed.");
        Validate(points);

        // Retries of points already committed are answered at once: nothing to wait for.
        if (points.All(p => _seen.Contains(p.Seq))) return new PointsResult(0, points.Count);

        var request = new Request(points, new TaskCompletionSource<PointsResult>());
        _pending.Add(request);
        _flushing ??= FlushLoop();
        return await request.Done.Task;
    }

    private void Validate(IReadOnlyList<TrackPointInput> points)
    {
        if (points.Count == 0) throw DomainException.Invalid("points", "must hold at least one point.");
        if (points.Count > CanvassRules.MaxPointsPerRequest)
            throw DomainException.Invalid("points", $"must hold at most {CanvassRules.MaxPointsPerRequest} points.");
        var latest = time.GetUtcNow() + CanvassRules.ClockSkew;
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (p.Seq < 0) throw DomainException.Invalid($"points[{i}].seq", "must be zero or more.");
            if (!double.IsFinite(p.Latitude) || p.Latitude is < -90 or > 90) throw DomainException.Invalid($"points[{i}].latitude", "must be between -90 and 90.");
            if (!double.IsFinite(p.Longitude) || p.Longitude is < -180 or > 180) throw DomainException.Invalid($"points[{i}].longitude", "must be between -180 and 180.");
            if (p.Accuracy is { } a && (!double.IsFinite(a) || a < 0)) throw DomainException.Invalid($"points[{i}].accuracy", "must be zero or more.");
            if (p.RecordedAt > latest) throw DomainException.Invalid($"points[{i}].recordedAt", "must not be in the future.");
        }
    }

    /// <summary>Writes batches until nothing is pending; requests that arrive meanwhile join the next batch.</summary>
    private async Task FlushLoop()
    {
        try
        {
            // Let the calls already queued on this activation add their points before the first write.
            await Task.Yield();
            while (_pending.Count > 0)
            {
                var batch = _pending;
                _pending = [];
                await Flush(batch);
            }
        }
        finally
        {
            _flushing = null;
        }
    }

    private async Task Flush(List<Request> batch)
    {
        try
        {
            // A write refused by the trail's version (closed, or another activation wrote) reads the trail again and
            // decides again; after the policy's attempts the callers get a 409.
            await RetryPolicy.StaleVersion.RunAsync(async () =>
                {
                    await Write(batch);
                    return true;
                },
                beforeRetry: async (_, _) => await Reload(),
                exhausted: _ => DomainException.Conflict("The trail kept changing while these points were written; retry."));
        }
        catch (Exception ex)
        {
            foreach (var request in batch) request.Done.TrySetException(ex);
        }
    }

    /// <summary>One attempt at the batch against the trail as this activation holds it.</summary>
    private async Task Write(List<Request> batch)
    {
        var trail = _trail!;
        if (!trail.IsActive) throw DomainException.Conflict("The session is not active; its trail is closed.");

        var offered = batch.Sum(r => r.Points.Count);
        var claimed = new HashSet<long>(offered);
        var fresh = new List<TrackPointInput>(offered);
        var accepted = new int[batch.Count];
        for (var r = 0; r < batch.Count; r++)
            foreach (var point in batch[r].Points)
                if (!_seen.Contains(point.Seq) && claimed.Add(point.Seq))
                {
                    fresh.Add(point);
                    accepted[r]++;
                }
        if (fresh.Count == 0)
        {
            Complete(batch, accepted);
            return;
        }

        fresh.Sort((a, b) => a.RecordedAt != b.RecordedAt ? a.RecordedAt.CompareTo(b.RecordedAt) : a.Seq.CompareTo(b.Seq));
        var odometer = trail.Odometer.Clone();
        var moved = false;
        foreach (var point in fresh) moved |= odometer.Add(point);

        var flush = new TrackFlush(trail.Id, trail.Version, trail.TotalPoints + fresh.Count, odometer.TotalMeters, odometer.Last, fresh);
        if (!await writer.WriteAsync(flush)) throw new StaleVersionException();
        trail.Version++;
        trail.TotalPoints += fresh.Count;
        trail.Odometer = odometer;
        foreach (var point in fresh) _seen.Add(point.Seq);
        // Before the answer: a phone told its points are in can count on any alert they raised being raised.
        await Watch(trail, fresh);
        Complete(batch, accepted);
        if (moved) PublishMove();
    }

    /// <summary>Checks the committed fixes for safety conditions and raises those that now hold (after the points' own answer).</summary>
    private async Task Watch(Trail trail, IReadOnlyList<TrackPointInput> fresh)
    {
        try
        {
            var cut = trail.CutId is { } cutId ? (await cuts.Get(cutId))?.Area : null;
            await Raise(_watch.Observe(fresh, SessionId, trail.UserId, trail.ShiftId, trail.CutId, cut));
            ArmStationaryTimer();
        }
        catch (Exception ex)
        {
            // The points are committed; a condition missed here is seen on the next fix or by the sweep.
            logger.LogWarning(ex, "Could not check the safety of canvass session {Session}", SessionId);
        }
    }

    private async Task Raise(List<NewAlert> alerts)
    {
        if (alerts.Count == 0) return;
        try
        {
            foreach (var alert in await SafetyAlertRows.RaiseAsync(db, alerts, time.GetUtcNow())) live.Raised(alert);
        }
        catch
        {
            foreach (var alert in alerts) _watch.Unmark(alert.Kind);
            throw;
        }
    }

    /// <summary>One timer at a time, due when the current still stretch would reach the stopped time.</summary>
    private void ArmStationaryTimer()
    {
        if (_stationaryTimer is not null || _trail is not { IsActive: true } || _watch.StationaryDueAt is not { } due) return;
        var dueIn = due - time.GetUtcNow();
        IGrainTimer? timer = null;
        timer = this.RegisterGrainTimer(async _ =>
        {
            if (!ReferenceEquals(_stationaryTimer, timer)) return;
            timer!.Dispose();
            _stationaryTimer = null;
            if (_trail is not { IsActive: true } current) return;
            if (_watch.StationaryByNow(time.GetUtcNow(), SessionId, current.UserId, current.ShiftId, current.CutId) is { } alert)
            {
                try { await Raise([alert]); }
                catch (Exception ex) { logger.LogWarning(ex, "Could not raise the stationary alert of canvass session {Session}", SessionId); }
            }
            // Not yet (the canvasser moved on, a new stretch began): aim at the new stretch.
            ArmStationaryTimer();
        }, new GrainTimerCreationOptions(dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true });
        _stationaryTimer = timer;
    }

    private static void Complete(List<Request> batch, int[] accepted)
    {
        for (var r = 0; r < batch.Count; r++)
            batch[r].Done.TrySetResult(new PointsResult(accepted[r], batch[r].Points.Count - accepted[r]));
    }

    public async Task Close(DateTimeOffset endedAt)
    {
        if (await Load() is not { IsActive: true } loaded) return;
        Trail trail = loaded;
        _closing = true;
        try
        {
            // Points acknowledged before the end must be in the trail; let the write in flight finish.
            while (_flushing is { } flushing) await flushing;
            // A close refused by the trail's version reads the trail again: closed meanwhile, there is nothing left to do.
            await RetryPolicy.StaleVersion.RunAsync(async () =>
                {
                    if (!trail.IsActive) return true;
                    var last = trail.Odometer.Last;
                    await using var connection = await db.OpenConnectionAsync();
                    await using var transaction = await connection.BeginTransactionAsync();
                    var updated = await connection.Command("""
                        UPDATE tracking_sessions SET is_active = false, ended_at = @endedAt, version = version + 1
                        WHERE id = @id AND version = @version AND is_active
                        """, transaction, ("id", trail.Id), ("version", trail.Version), ("endedAt", endedAt)).ExecuteAsync();
                    // Rolled back when disposed uncommitted.
                    if (updated == 0) throw new StaleVersionException();
                    // The end marker sits where the canvasser was last seen, else where the session started.
                    await connection.Command("""
                        INSERT INTO track_points (tracking_session_id, seq, latitude, longitude, recorded_at, event_type)
                        SELECT @id, NULL, lat, lng, @endedAt, 'SESSION_ENDED'
                        FROM (SELECT @lat::numeric AS lat, @lng::numeric AS lng, 0 AS rank
                              UNION ALL
                              SELECT latitude, longitude, 1 FROM track_points WHERE tracking_session_id = @id AND event_type = 'SESSION_STARTED') p
                        WHERE lat IS NOT NULL
                        ORDER BY rank LIMIT 1
                        """, transaction, ("id", trail.Id), ("endedAt", endedAt), ("lat", last?.Latitude), ("lng", last?.Longitude)).ExecuteAsync();
                    await transaction.CommitAsync();
                    trail.IsActive = false;
                    trail.Version++;
                    return true;
                },
                beforeRetry: async (_, _) => trail = await Reload() ?? throw DomainException.NotFound("The session"),
                exhausted: _ => DomainException.Conflict("The trail kept changing while it was closed."));
        }
        finally
        {
            _closing = false;
        }
        // Anyone still queued gets the same answer as a new caller would.
        foreach (var request in Interlocked.Exchange(ref _pending, []))
            request.Done.TrySetException(DomainException.Conflict("The session is not active; its trail is closed."));
    }

    private void PublishMove()
    {
        if (_moveTimer is not null) return; // a send is due: it carries whatever is latest then
        var elapsed = SinceLastMove();
        if (elapsed >= MoveInterval)
        {
            SendMove();
            return;
        }
        // Coalesce: at most one position per second per canvasser; the timer sends whatever is latest then.
        ArmMoveTimer(MoveInterval - elapsed);
    }

    private void ArmMoveTimer(TimeSpan dueIn)
    {
        IGrainTimer? timer = null;
        timer = this.RegisterGrainTimer(_ =>
        {
            if (!ReferenceEquals(_moveTimer, timer)) return Task.CompletedTask;
            timer!.Dispose();
            _moveTimer = null;
            // A timer may fire a little early; the promise is a full interval between moves.
            var elapsed = SinceLastMove();
            if (elapsed < MoveInterval) ArmMoveTimer(MoveInterval - elapsed);
            else SendMove();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan) { Interleave = true });
        _moveTimer = timer;
    }

    private TimeSpan SinceLastMove() =>
        _lastMovePublished == long.MinValue ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(_lastMovePublished);

    private void SendMove()
    {
        _lastMovePublished = Stopwatch.GetTimestamp();
        if (_trail?.Odometer.Last is not { } last) return;
        var payload = new { sessionId = SessionId, userId = _trail.UserId, latitude = last.Latitude, longitude = last.Longitude, recordedAt = last.RecordedAt };
        live.Publish(_trail.CutId is { } cutId ? [LiveTopics.CanvassLive, LiveTopics.CanvassCut(cutId)] : [LiveTopics.CanvassLive],
            "canvasserMoved", payload);
    }

    private async Task<Trail?> Load() => _trail ?? await Reload();

    private async Task<Trail?> Reload()
    {
        await using var connection = await db.OpenConnectionAsync();
        var trail = await connection.Command("""
            SELECT t.id, t.user_id, t.is_active, t.version, t.total_points, t.total_distance_m,
                   t.last_latitude::float8 AS last_latitude, t.last_longitude::float8 AS last_longitude, t.last_recorded_at, s.cut_id, s.shift_id
            FROM tracking_sessions t JOIN canvass_sessions s ON s.id = t.canvass_session_id
            WHERE t.canvass_session_id = @session
            """, null, ("session", SessionId)).FirstOrDefaultAsync(r => new Trail
        {
            Id = r.Get<Guid>("id"),
            SessionId = SessionId,
            UserId = r.Get<Guid>("user_id"),
            CutId = r.GetValueOrNull<Guid>("cut_id"),
            ShiftId = r.GetValueOrNull<Guid>("shift_id"),
            IsActive = r.Get<bool>("is_active"),
            Version = r.Get<int>("version"),
            TotalPoints = r.Get<int>("total_points"),
            Odometer = new TrackOdometer(r.Get<double>("total_distance_m"), r.GetValueOrNull<double>("last_latitude"),
                r.GetValueOrNull<double>("last_longitude"), r.GetValueOrNull<DateTimeOffset>("last_recorded_at")),
        });
        if (trail is null) return null;
        _seen = (await connection.Command("SELECT seq FROM track_points WHERE tracking_session_id = @id AND seq IS NOT NULL", null,
            ("id", trail.Id)).ListAsync(r => r.GetInt64(0))).ToHashSet();
        _trail = trail;
        var watch = new SafetyWatch(settings);
        foreach (var kind in await connection.Command("SELECT kind FROM safety_alerts WHERE session_id = @session", null, ("session", SessionId))
                     .ListAsync(r => r.GetFieldValue<SafetyAlertKind>(0)))
            watch.MarkRaised(kind);
        if (trail.Odometer.Last is { } last) watch.StartAt(last.Latitude, last.Longitude, last.RecordedAt);
        _watch = watch;
        logger.LogDebug("Loaded trail {Trail} at version {Version} with {Points} points", trail.Id, trail.Version, _seen.Count);
        return trail;
    }
}
