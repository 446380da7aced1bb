using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// The single writer of one canvass session. State machine:
/// <code>
///   (none) --Start--> ACTIVE --End (owner/admin)--> COMPLETED
///                     ACTIVE --12 hours old------> ABANDONED
/// </code>
/// Every other transition is a 409. The 12 hours are kept by an Orleans reminder stored in PostgreSQL
/// (<see cref="AbandonReminder"/>: it outlives this activation and every silo), by a check on every command (an
/// overdue session is abandoned before anything else happens), and by <see cref="CanvassSweepGrain"/> for reminders
/// that missed their tick. Each status change is a version-checked UPDATE, so a second activation during a
/// membership change finds its copy stale instead of overwriting the first.
///
/// The grain orders the commands and keeps the state; the pieces it runs each own one thing: the SQL
/// (<see cref="CanvassSessionRows"/>), the guards of what a phone sends (<see cref="SessionRules"/>), where a door is
/// and whether it is in the cut (<see cref="DoorLocator"/>), the group commit of visits (<see cref="VisitWriter"/>),
/// the reminder (<see cref="AbandonReminder"/>), the live events (<see cref="SessionLiveEvents"/>) and what the cut hears of its
/// visits (<see cref="CutVisitRelay"/>, <see cref="DoorVisitNotices"/>).
/// </summary>
public sealed class CanvassSessionGrain(
    NpgsqlDataSource db,
    LivePublisher live,
    CanvassSettings settings,
    CutAddressCache cuts,
    VisitWriter visits,
    CutVisitRelay cutVisits,
    DoorVisitNotices doorVisits,
    [FromKeyedServices(CanvassClock.Key)] TimeProvider time,
    ILogger<CanvassSessionGrain> logger) : Grain, ICanvassSessionGrain, IRemindable
{
    private SessionState? _session;
    private readonly Dictionary<Guid, VisitView> _visitsByClientId = new();
    private AbandonReminder? _reminder;

    private Guid Id => this.GetPrimaryKey();

    private AbandonReminder Reminder => _reminder ??= new AbandonReminder(this, Id, settings, logger);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await Reload();
    }

    public async Task<CanvassSessionView> Start(Caller caller, StartSessionCommand command)
    {
        if (_session is not null) throw DomainException.Conflict("This session has been started already.");
        SessionRules.EnsureStartPosition(command.StartLatitude, command.StartLongitude);

        var now = time.GetUtcNow();
        var trackingId = Ids.New();
        await using var connection = await db.OpenConnectionAsync();
        var cut = await CanvassSessionRows.CutAccessAsync(connection, command.CutId, caller.UserId);
        // A cut the caller may not canvass answers like one that does not exist.
        if (cut is null || !(caller.IsAdmin || cut.IsPublic || cut.SignedUp))
            throw DomainException.Invalid("cutId", "No cut with this id is open to you for canvassing.");
        if (command.ShiftId is { } shiftId && !await CanvassSessionRows.ShiftExistsAsync(connection, shiftId))
            throw DomainException.Invalid("shiftId", "No shift has this id.");
        var area = CanvassCuts.TryParse(cut.GeoJson);
        // The start marker: where the phone said it was, else the middle of the cut.
        var markerLat = command.StartLatitude ?? area?.Center().Latitude;
        var markerLng = command.StartLongitude ?? area?.Center().Longitude;
        await CanvassSessionRows.InsertAsync(connection, Id, caller.UserId, command, trackingId,
            markerLat is not null && markerLng is not null ? (markerLat.Value, markerLng.Value) : null, now);

        _session = new SessionState
        {
            UserId = caller.UserId,
            CutId = command.CutId,
            ShiftId = command.ShiftId,
            Status = CanvassSessionStatus.Active,
            StartedAt = SessionRules.Truncate(now),
            StartLatitude = command.StartLatitude,
            StartLongitude = command.StartLongitude,
            Version = 0,
            TrackingSessionId = trackingId,
        };
        await Reminder.Arm(_session.AbandonsAt, now);
        DoorLeaseNotices.SessionStarted(GrainFactory, command.CutId);
        live.StatusChanged(Id, _session);
        return _session.View(Id);
    }

    public async Task<VisitResult> RecordVisit(Caller caller, RecordVisitCommand command)
    {
        var session = _session ?? throw DomainException.NotFound("The session");
        if (caller.UserId != session.UserId)
            throw DomainException.Forbidden("Only the canvasser who owns the session records visits into it.");
        // A retry answers as the first call did, whatever happened to the session since.
        if (_visitsByClientId.TryGetValue(command.ClientVisitId, out var earlier)) return new VisitResult(earlier, false);
        await AbandonIfOverdueCore();
        SessionRules.EnsureActive(_session!, "record a visit");
        if (command.AllowOutsideCut && !caller.IsAdmin)
            throw DomainException.Forbidden("Only admins may record visits outside the session's cut.");

        var now = time.GetUtcNow();
        SessionRules.EnsureVisit(command, session.StartedAt, now);
        var address = await DoorLocator.LocateAsync(db, cuts, session.CutId, command);
        // A write refused by the fence (the row moved on: another activation wrote) reloads the session and decides
        // again on the fresh copy and its version; the visit may then be there already, written by the other
        // activation, and that visit is the answer.
        return await RetryPolicy.StaleVersion.RunAsync(async () =>
            {
                if (_visitsByClientId.TryGetValue(command.ClientVisitId, out var written)) return new VisitResult(written, false);
                var current = _session ?? throw DomainException.NotFound("The session");
                SessionRules.EnsureActive(current, "record a visit");
                var visit = new VisitView(Ids.New(), command.ClientVisitId, Id, command.AddressId, current.UserId, current.CutId, current.ShiftId,
                    command.Outcome, command.SupportLevel, command.SignRequested ?? false, command.SignSize?.Trim(), command.Notes?.Trim(),
                    command.DurationSeconds, SessionRules.Truncate(command.VisitedAt?.ToUniversalTime() ?? now));
                // Written with other sessions' visits in one transaction (VisitWriter): the visit only while the session is
                // still ACTIVE at the version this activation knows, its marker on the trail, the address's support data.
                VisitWriteOutcome outcome;
                try
                {
                    outcome = await visits.WriteAsync(new VisitWrite(current.Version, visit, command.SignRequested, current.TrackingSessionId,
                        address.Latitude, address.Longitude, now));
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation && ex.ConstraintName == "canvass_visits_address_id_fkey")
                {
                    // The door was deleted after it was located (the cut's cached doors still held it).
                    throw DomainException.Invalid("addressId", "No address has this id.");
                }
                if (!outcome.Inserted) throw new StaleVersionException();

                _visitsByClientId[visit.ClientVisitId] = visit;
                live.VisitRecorded(visit, address.Latitude, address.Longitude);
                if (outcome.Conflict is { } conflict) live.ConflictRaised(visit, conflict);
                if (visit.CutId is { } cutId)
                {
                    cutVisits.DoorVisited(cutId, visit.AddressId, visit.VisitedAt);
                    await doorVisits.Visited(cutId, visit.AddressId, visit.VisitedAt);
                }
                return new VisitResult(visit, true);
            },
            beforeRetry: async (_, _) => await Reload(),
            exhausted: _ => DomainException.Conflict("The session changed while the visit was written; retry."));
    }

    public async Task<CanvassSessionView> End(Caller caller)
    {
        var session = _session ?? throw DomainException.NotFound("The session");
        if (caller.UserId != session.UserId && !caller.IsAdmin)
            throw DomainException.Forbidden("Only the canvasser who owns the session, or an admin, may end it.");
        await AbandonIfOverdueCore();
        SessionRules.EnsureActive(_session!, "end it");
        await Transition(CanvassSessionStatus.Completed, time.GetUtcNow());
        return _session!.View(Id);
    }

    public async Task<bool> AbandonIfOverdue() => await AbandonIfOverdueCore();

    public Task<CanvassSessionView> Get(Caller caller)
    {
        var session = _session ?? throw DomainException.NotFound("The session");
        if (caller.UserId != session.UserId && !caller.IsAdmin) throw DomainException.NotFound("The session");
        return Task.FromResult(session.View(Id));
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != AbandonReminder.Name) return;
        if (_session is not { Status: CanvassSessionStatus.Active } session)
        {
            await Reminder.Forget();
            DeactivateOnIdle();
            return;
        }
        var now = time.GetUtcNow();
        if (await AbandonIfOverdueCore()) return;
        // The tick came early (it ticks every check period): aim the next one at the deadline when that is sooner.
        await Reminder.AimAtDeadline(session.AbandonsAt, now);
    }

    private async Task<bool> AbandonIfOverdueCore()
    {
        if (_session is not { Status: CanvassSessionStatus.Active } session) return false;
        if (time.GetUtcNow() < session.AbandonsAt) return false;
        // Ended "when the 12 hours were up", however late the silo noticed: durations stay truthful.
        await Transition(CanvassSessionStatus.Abandoned, session.AbandonsAt);
        logger.LogInformation("Canvass session {Session} abandoned after {Hours} hours", Id, CanvassRules.AbandonAfter.TotalHours);
        return true;
    }

    private async Task Transition(CanvassSessionStatus to, DateTimeOffset endedAt)
    {
        // Our copy may be stale: whoever changed the row decided first. Reload, check again, and give up the second time.
        await RetryPolicy.StaleVersion.RunAsync(async () =>
            {
                var session = _session!;
                if (!await CanvassSessionRows.EndAsync(db, Id, session.Version, to, endedAt, time.GetUtcNow())) throw new StaleVersionException();
                session.Status = to;
                session.EndedAt = SessionRules.Truncate(endedAt);
                session.Version++;
                return true;
            },
            beforeRetry: async (_, attempt) =>
            {
                await Reload();
                if (_session is null) throw DomainException.NotFound("The session");
                SessionRules.EnsureActive(_session, to == CanvassSessionStatus.Completed ? "end it" : "abandon it");
                if (attempt > 1) throw DomainException.Conflict("The session kept changing; retry.");
            });

        await Reminder.Forget();
        live.StatusChanged(Id, _session!);
        try
        {
            await GrainFactory.GetGrain<ITrackingSessionGrain>(Id).Close(endedAt);
        }
        catch (Exception ex)
        {
            // The session's status is committed; the sweep closes trails left open.
            logger.LogWarning(ex, "Could not close the trail of canvass session {Session}; the sweep will", Id);
        }
        if (_session!.CutId is { } cutId)
        {
            GrainFactory.GetGrain<ICutProgressGrain>(cutId).RecountSoon().Ignore();
            await DoorLeaseNotices.SessionEnded(GrainFactory, cutId, Id, logger);
        }
    }

    private async Task Reload()
    {
        var loaded = await CanvassSessionRows.LoadAsync(db, Id);
        _session = loaded?.Session;
        _visitsByClientId.Clear();
        if (loaded is null) return;
        foreach (var visit in loaded.Value.Visits) _visitsByClientId[visit.ClientVisitId] = visit;
    }
}
