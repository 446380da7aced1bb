using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Map;
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
/// (it outlives this activation and every silo), by a check on every command (an overdue session is
/// abandoned before anything else happens), and by <see cref="CanvassSweepGrain"/> for reminders that
/// missed their tick. Each status change is a version-checked UPDATE, so a second activation during a
/// membership change finds its copy stale instead of overwriting the first.
/// </summary>
public sealed class CanvassSessionGrain(
    NpgsqlDataSource db,
    LivePublisher live,
    CanvassSettings settings,
    CutAddressCache cuts,
    VisitWriter visits,
    [FromKeyedServices(CanvassClock.Key)] TimeProvider time,
    ILogger<CanvassSessionGrain> logger) : Grain, ICanvassSessionGrain, IRemindable
{
    public const string AbandonReminder = "canvass-abandon";

    private SessionRow? _session;
    private readonly Dictionary<Guid, VisitView> _visitsByClientId = new();

    private Guid Id => this.GetPrimaryKey();

    private sealed class SessionRow
    {
        public Guid UserId;
        public Guid? CutId;
        public Guid? ShiftId;
        public CanvassSessionStatus Status;
        public DateTimeOffset StartedAt;
        public DateTimeOffset? EndedAt;
        public double? StartLatitude;
        public double? StartLongitude;
        public int Version;
        public Guid TrackingSessionId;
        public DateTimeOffset AbandonsAt => StartedAt + CanvassRules.AbandonAfter;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await Reload();
    }

    public async Task<CanvassSessionView> Start(Caller caller, StartSessionCommand command)
    {
        if (_session is not null) throw DomainException.Conflict("This session has been started already.");
        if (command.StartLatitude is { } lat && (!double.IsFinite(lat) || lat is < -90 or > 90))
            throw DomainException.Invalid("startLatitude", "must be between -90 and 90.");
        if (command.StartLongitude is { } lng && (!double.IsFinite(lng) || lng is < -180 or > 180))
            throw DomainException.Invalid("startLongitude", "must be between -180 and 180.");
        if (command.StartLatitude.HasValue != command.StartLongitude.HasValue)
            throw DomainException.Invalid(command.StartLatitude.HasValue ? "startLongitude" : "startLatitude", "is required with the other coordinate.");

        var now = time.GetUtcNow();
        var trackingId = Ids.New();
        await using var connection = await db.OpenConnectionAsync();
        var cut = await connection.Command("""
            SELECT c.geojson::text AS geojson, c.is_public,
                   EXISTS (SELECT 1 FROM shift_signups su JOIN shifts sh ON sh.id = su.shift_id
                           WHERE sh.cut_id = c.id AND su.user_id = @user AND su.status = 'CONFIRMED') AS signed_up
            FROM cuts c WHERE c.id = @cut
            """, null, ("cut", command.CutId), ("user", caller.UserId))
            .FirstOrDefaultAsync(r => (GeoJson: r.Get<string>("geojson"), IsPublic: r.Get<bool>("is_public"), SignedUp: r.Get<bool>("signed_up")));
        // A cut the caller may not canvass answers like one that does not exist.
        if (cut.GeoJson is null || !(caller.IsAdmin || cut.IsPublic || cut.SignedUp))
            throw DomainException.Invalid("cutId", "No cut with this id is open to you for canvassing.");
        if (command.ShiftId is { } shiftId &&
            await connection.Command("SELECT 1 FROM shifts WHERE id = @id", null, ("id", shiftId)).ScalarAsync<int>() != 1)
            throw DomainException.Invalid("shiftId", "No shift has this id.");
        var area = CanvassCuts.TryParse(cut.GeoJson);

        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            await connection.Command("""
                INSERT INTO canvass_sessions (id, user_id, cut_id, shift_id, status, started_at, start_latitude, start_longitude, version, updated_at)
                VALUES (@id, @user, @cut, @shift, 'ACTIVE', @now, @lat, @lng, 0, @now)
                """, transaction, ("id", Id), ("user", caller.UserId), ("cut", command.CutId), ("shift", command.ShiftId), ("now", now),
                ("lat", (object?)command.StartLatitude), ("lng", (object?)command.StartLongitude)).ExecuteAsync();
        }
        catch (PostgresException ex) when (ex.IsUniqueViolation("canvass_sessions_one_active_per_user_key"))
        {
            await transaction.RollbackAsync();
            var active = await connection.Command("SELECT id FROM canvass_sessions WHERE user_id = @user AND status = 'ACTIVE'", null,
                ("user", caller.UserId)).ScalarAsync<Guid>();
            throw DomainException.Conflict("You have an active canvass session already; end it first.",
                new Dictionary<string, string> { ["activeSessionId"] = active.ToString() });
        }
        await connection.Command("""
            INSERT INTO tracking_sessions (id, user_id, canvass_session_id, started_at, is_active, version)
            VALUES (@id, @user, @session, @now, true, 0)
            """, transaction, ("id", trackingId), ("user", caller.UserId), ("session", Id), ("now", now)).ExecuteAsync();
        // The start marker: where the phone said it was, else the middle of the cut.
        var markerLat = command.StartLatitude ?? area?.Center().Latitude;
        var markerLng = command.StartLongitude ?? area?.Center().Longitude;
        if (markerLat is not null && markerLng is not null)
            await connection.Command("""
                INSERT INTO track_points (tracking_session_id, seq, latitude, longitude, recorded_at, event_type)
                VALUES (@trail, NULL, @lat, @lng, @now, 'SESSION_STARTED')
                """, transaction, ("trail", trackingId), ("lat", markerLat), ("lng", markerLng), ("now", now)).ExecuteAsync();
        await transaction.CommitAsync();

        _session = new SessionRow
        {
            UserId = caller.UserId,
            CutId = command.CutId,
            ShiftId = command.ShiftId,
            Status = CanvassSessionStatus.Active,
            StartedAt = Truncate(now),
            StartLatitude = command.StartLatitude,
            StartLongitude = command.StartLongitude,
            Version = 0,
            TrackingSessionId = trackingId,
        };
        await ArmAbandonReminder(now);
        PublishStatus();
        return View();
    }

    public async Task<VisitResult> RecordVisit(Caller caller, RecordVisitCommand command)
    {
        var session = _session ?? throw DomainException.NotFound("The session");
        if (caller.UserId != session.UserId)
            throw DomainException.Forbidden("Only the canvasser who owns the session records visits into it.");
        // A retry answers as the first call did, whatever happened to the session since.
        if (_visitsByClientId.TryGetValue(command.ClientVisitId, out var earlier)) return new VisitResult(earlier, false);
        await AbandonIfOverdueCore();
        RequireActive("record a visit");
        if (command.AllowOutsideCut && !caller.IsAdmin)
            throw DomainException.Forbidden("Only admins may record visits outside the session's cut.");

        var now = time.GetUtcNow();
        ValidateVisit(command, now);
        var address = await LocateDoor(session, command);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var visit = new VisitView(Ids.New(), command.ClientVisitId, Id, command.AddressId, session.UserId, session.CutId, session.ShiftId,
                command.Outcome, command.SupportLevel, command.SignRequested ?? false, command.SignSize?.Trim(), command.Notes?.Trim(),
                command.DurationSeconds, Truncate(command.VisitedAt?.ToUniversalTime() ?? now));
            // Written with other sessions' visits in one transaction (VisitWriter): the visit only while the session is
            // still ACTIVE at the version this activation knows, its marker on the trail, the address's support data.
            VisitWriteOutcome outcome;
            try
            {
                outcome = await visits.WriteAsync(new VisitWrite(session.Version, visit, command.SignRequested, session.TrackingSessionId,
                    address.Latitude, address.Longitude, now));
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation && ex.ConstraintName == "canvass_visits_address_id_fkey")
            {
                // The door was deleted after it was located (the cut's cached doors still held it).
                throw DomainException.Invalid("addressId", "No address has this id.");
            }

            if (outcome.Inserted)
            {
                _visitsByClientId[visit.ClientVisitId] = visit;
                PublishVisit(visit, address.Latitude, address.Longitude);
                if (visit.CutId is { } cutId) GrainFactory.GetGrainById<ICutProgressGrain>(cutId).DoorVisited(visit.AddressId, visit.VisitedAt).Ignore();
                return new VisitResult(visit, true);
            }
            if (outcome.Active)
            {
                // Written meanwhile by another activation of this session: answer with that visit.
                await Reload();
                if (_visitsByClientId.TryGetValue(command.ClientVisitId, out var written)) return new VisitResult(written, false);
            }
            else
            {
                await Reload();
                RequireActive("record a visit");
            }
        }
        throw DomainException.Conflict("The session changed while the visit was written; retry.");
    }

    public async Task<CanvassSessionView> End(Caller caller)
    {
        var session = _session ?? throw DomainException.NotFound("The session");
        if (caller.UserId != session.UserId && !caller.IsAdmin)
            throw DomainException.Forbidden("Only the canvasser who owns the session, or an admin, may end it.");
        await AbandonIfOverdueCore();
        RequireActive("end it");
        await Transition(CanvassSessionStatus.Completed, time.GetUtcNow());
        return View();
    }

    public async Task<bool> AbandonIfOverdue() => await AbandonIfOverdueCore();

    public Task<CanvassSessionView> Get(Caller caller)
    {
        var session = _session ?? throw DomainException.NotFound("The session");
        if (caller.UserId != session.UserId && !caller.IsAdmin) throw DomainException.NotFound("The session");
        return Task.FromResult(View());
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != AbandonReminder) return;
        if (_session is not { Status: CanvassSessionStatus.Active } session)
        {
            await ForgetReminder();
            DeactivateOnIdle();
            return;
        }
        var now = time.GetUtcNow();
        if (await AbandonIfOverdueCore()) return;
        // The tick came early (it ticks every check period): aim the next one at the deadline when that is sooner.
        var remaining = session.AbandonsAt - now;
        if (remaining < settings.AbandonCheckPeriod)
            await this.RegisterOrUpdateReminder(AbandonReminder, remaining, settings.AbandonCheckPeriod);
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
        for (var attempt = 0; ; attempt++)
        {
            var session = _session!;
            var updated = await db.Command("""
                UPDATE canvass_sessions SET status = @status, ended_at = @endedAt, version = version + 1, updated_at = @now
                WHERE id = @id AND version = @version AND status = 'ACTIVE'
                """, ("id", Id), ("version", session.Version), ("status", to), ("endedAt", endedAt), ("now", time.GetUtcNow())).ExecuteAsync();
            if (updated == 1)
            {
                session.Status = to;
                session.EndedAt = Truncate(endedAt);
                session.Version++;
                break;
            }
            // Our copy was stale; whoever changed the row decided first.
            await Reload();
            if (_session is null) throw DomainException.NotFound("The session");
            RequireActive(to == CanvassSessionStatus.Completed ? "end it" : "abandon it");
            if (attempt > 0) throw DomainException.Conflict("The session kept changing; retry.");
        }

        await ForgetReminder();
        PublishStatus();
        try
        {
            await GrainFactory.GetGrain<ITrackingSessionGrain>(Id).Close(endedAt);
        }
        catch (Exception ex)
        {
            // The session's status is committed; the sweep closes trails left open.
            logger.LogWarning(ex, "Could not close the trail of canvass session {Session}; the sweep will", Id);
        }
        if (_session!.CutId is { } cutId) GrainFactory.GetGrainById<ICutProgressGrain>(cutId).RecountSoon().Ignore();
    }

    private void RequireActive(string action)
    {
        var session = _session!;
        if (session.Status != CanvassSessionStatus.Active)
            throw DomainException.Conflict($"The session is {EnumWireNames.ToWireName(session.Status)}; cannot {action}.",
                new Dictionary<string, string> { ["sessionStatus"] = EnumWireNames.ToWireName(session.Status) });
    }

    private async Task ArmAbandonReminder(DateTimeOffset now)
    {
        try
        {
            var remaining = _session!.AbandonsAt - now;
            var due = remaining < settings.AbandonCheckPeriod ? (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) : settings.AbandonCheckPeriod;
            await this.RegisterOrUpdateReminder(AbandonReminder, due, settings.AbandonCheckPeriod);
        }
        catch (Exception ex)
        {
            // The session exists; the sweep abandons it on time even without its own reminder.
            logger.LogWarning(ex, "Could not register the abandonment reminder of canvass session {Session}", Id);
        }
    }

    private async Task ForgetReminder()
    {
        try
        {
            if (await this.GetReminder(AbandonReminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception ex)
        {
            // A leftover reminder only ticks into a session that is no longer ACTIVE, which removes it again.
            logger.LogDebug(ex, "Could not remove the reminder of canvass session {Session}", Id);
        }
    }

    /// <summary>Where the door is; 400 naming addressId when it does not exist or (unless allowed) lies outside the cut.</summary>
    private async Task<(double Latitude, double Longitude)> LocateDoor(SessionRow session, RecordVisitCommand command)
    {
        var cut = session.CutId is { } cutId ? await cuts.Get(cutId) : null;
        if (cut is not null && cut.DoorsInside.TryGetValue(command.AddressId, out var known)) return known;
        var address = await db.Command("""
            SELECT l.latitude::float8 AS latitude, l.longitude::float8 AS longitude
            FROM addresses a JOIN locations l ON l.id = a.location_id WHERE a.id = @id
            """, ("id", command.AddressId)).FirstOrDefaultAsync(r => (Latitude: r.Get<double>("latitude"), Longitude: r.Get<double>("longitude")));
        if (address == default) throw DomainException.Invalid("addressId", "No address has this id.");
        // A door added after the cut's doors were read is tested against the polygon here.
        if (!command.AllowOutsideCut && cut?.Area is { } area && !area.Contains(address.Latitude, address.Longitude))
            throw DomainException.Invalid("addressId", "The address lies outside the session's cut.");
        return address;
    }

    private void ValidateVisit(RecordVisitCommand command, DateTimeOffset now)
    {
        if (command.VisitedAt is { } at && at > now + CanvassRules.ClockSkew) throw DomainException.Invalid("visitedAt", "must not be in the future.");
        if (command.VisitedAt is { } before && before < _session!.StartedAt - CanvassRules.ClockSkew)
            throw DomainException.Invalid("visitedAt", "must not be before the session started.");
        if (command.DurationSeconds is { } d && d is < 0 or > CanvassRules.MaxDurationSeconds)
            throw DomainException.Invalid("durationSeconds", $"must be between 0 and {CanvassRules.MaxDurationSeconds}.");
        if (command.Notes is { Length: > CanvassRules.MaxNotesLength })
            throw DomainException.Invalid("notes", $"must be at most {CanvassRules.MaxNotesLength} characters.");
        if (command.SignSize is { Length: > CanvassRules.MaxSignSizeLength })
            throw DomainException.Invalid("signSize", $"must be at most {CanvassRules.MaxSignSizeLength} characters.");
    }

    private async Task Reload()
    {
        await using var connection = await db.OpenConnectionAsync();
        _session = await connection.Command("""
            SELECT s.user_id, s.cut_id, s.shift_id, s.status, s.started_at, s.ended_at, s.start_latitude::float8 AS start_latitude,
                   s.start_longitude::float8 AS start_longitude, s.version, t.id AS tracking_id
            FROM canvass_sessions s JOIN tracking_sessions t ON t.canvass_session_id = s.id
            WHERE s.id = @id
            """, null, ("id", Id)).FirstOrDefaultAsync(r => new SessionRow
        {
            UserId = r.Get<Guid>("user_id"),
            CutId = r.GetValueOrNull<Guid>("cut_id"),
            ShiftId = r.GetValueOrNull<Guid>("shift_id"),
            Status = r.Get<CanvassSessionStatus>("status"),
            StartedAt = r.Get<DateTimeOffset>("started_at"),
            EndedAt = r.GetValueOrNull<DateTimeOffset>("ended_at"),
            StartLatitude = r.GetValueOrNull<double>("start_latitude"),
            StartLongitude = r.GetValueOrNull<double>("start_longitude"),
            Version = r.Get<int>("version"),
            TrackingSessionId = r.Get<Guid>("tracking_id"),
        });
        _visitsByClientId.Clear();
        if (_session is null) return;
        foreach (var visit in await connection.Command($"""
                     SELECT {CanvassRows.VisitColumns} FROM canvass_visits v WHERE v.session_id = @id AND v.client_visit_id IS NOT NULL
                     """, null, ("id", Id)).ListAsync(CanvassRows.ReadVisit))
            _visitsByClientId[visit.ClientVisitId] = visit;
    }

    private CanvassSessionView View()
    {
        var s = _session!;
        return new CanvassSessionView(Id, s.UserId, s.CutId, s.ShiftId, s.Status, s.StartedAt, s.EndedAt, s.StartLatitude, s.StartLongitude,
            s.TrackingSessionId, s.AbandonsAt);
    }

    private void PublishStatus()
    {
        var s = _session!;
        var payload = new { sessionId = Id, status = s.Status, userId = s.UserId, cutId = s.CutId, endedAt = s.EndedAt };
        live.Publish(Topics(s.CutId), "sessionChanged", payload);
    }

    /// <summary>Where a session's events go: its own topic, the live map, and its cut's map when it has one.</summary>
    private string[] Topics(Guid? cutId) => cutId is { } cut
        ? [LiveTopics.Session(Id), LiveTopics.CanvassLive, LiveTopics.CanvassCut(cut)]
        : [LiveTopics.Session(Id), LiveTopics.CanvassLive];

    private void PublishVisit(VisitView visit, double latitude, double longitude)
    {
        var payload = new
        {
            sessionId = Id, visitId = visit.Id, userId = visit.UserId, addressId = visit.AddressId, cutId = visit.CutId,
            outcome = visit.Outcome, supportLevel = visit.SupportLevel, latitude, longitude, visitedAt = visit.VisitedAt,
        };
        live.Publish(Topics(visit.CutId), "visitRecorded", payload);
    }

    /// <summary>PostgreSQL keeps microseconds; the in-memory copy must equal what a reload would read.</summary>
    private static DateTimeOffset Truncate(DateTimeOffset value) =>
        new DateTimeOffset(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);
}
