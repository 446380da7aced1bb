using ChangemakerLite.Grains.Interfaces.Canvassing;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using ChangemakerLite.Grains.Shifts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// Door leases and shift turf of the cut (docs/canvassing.md). The grain is their single writer: it decides each lease
/// in memory (<see cref="DoorLeaseBook"/>) against the routes it keeps, without awaiting between reading and taking, then
/// awaits the commit (<see cref="LeaseWriter"/>, many grants in one transaction) before answering. Calls interleave at
/// their awaits, so a thousand canvassers share commits rather than queue behind each one.
/// </summary>
public sealed partial class WalkListGrain : IDoorLeaseGrain
{
    /// <summary>How stale the shifts' signups may be when turf is decided: a cancelled signup frees its turf within this.</summary>
    public static readonly TimeSpan TurfRefresh = TimeSpan.FromSeconds(2);

    private DoorLeaseBook? _book;
    private Task<DoorLeaseBook>? _bookLoading;

    private LeaseSettings LeaseSettings => ServiceProvider.GetRequiredService<LeaseSettings>();
    private LeaseWriter LeaseWriter => ServiceProvider.GetRequiredService<LeaseWriter>();
    private LivePublisher Live => ServiceProvider.GetRequiredService<LivePublisher>();

    public async Task<DoorLeaseView> Lease(Guid sessionId, Caller caller, double? latitude, double? longitude, int count)
    {
        if (count is < 1 or > DoorLeaseRules.MaxCount) throw DomainException.Invalid("count", $"must be between 1 and {DoorLeaseRules.MaxCount}.");
        var book = await Book();
        await EnsureSession(book, sessionId, caller);
        await RefreshTurf(book);

        // From here to the commit nothing is awaited: the doors taken are decided against one state.
        var plans = _plans!;
        var now = time.GetUtcNow();
        var session = book.Sessions[sessionId];
        if (!session.Active) throw DomainException.Conflict("The session has ended; its doors were released.", new() { ["sessionStatus"] = "ENDED" });
        var expired = ExpireLeases(book, now);
        var until = now + LeaseSettings.LeaseDuration;
        var doorsById = DoorsById(plans);
        var chosen = new List<(WalkPlans.Door Door, bool Reserved)>();
        var taken = new HashSet<Guid>();
        void Take(Guid addressId, bool reserved)
        {
            if (taken.Add(addressId) && doorsById.TryGetValue(addressId, out var door)) chosen.Add((door, reserved));
        }

        // The session's own leases first (renewed), as long as their doors were not visited meanwhile.
        foreach (var door in book.LeasesOfSession(sessionId).ToList())
            if (!book.VisitedLately(door, now)) Take(door, book.ReservedBy.ContainsKey(door));
        // Then the turf kept for this volunteer on the cut.
        foreach (var part in book.Turf.Values.Where(p => p.UserId == caller.UserId).ToList())
            foreach (var door in part.Doors)
            {
                if (chosen.Count >= count) break;
                if (book.FreeFor(door, sessionId, caller.UserId, now)) Take(door, true);
            }
        // Then the next free doors in walking order from where the canvasser stands: from the free door nearest to them
        // along the cut's route (planned once and kept), else from the route's start.
        if (chosen.Count < count)
        {
            var grid = Grid(plans);
            var plan = grid.Plan;
            bool Free(WalkPlans.Door door) => !taken.Contains(door.AddressId) && !book.ReservedBy.ContainsKey(door.AddressId) &&
                                              book.FreeFor(door.AddressId, sessionId, caller.UserId, now);
            var positioned = latitude.HasValue && longitude.HasValue;
            // With a position and no free door near or far, there is none to give.
            int? from = positioned ? grid.Nearest(latitude!.Value, longitude!.Value, Free) : book.TakenUpTo(plan, now);
            for (var step = 0; from is not null && step < plan.Order.Length && chosen.Count < count; step++)
            {
                var position = from.Value + step;
                // From a position the route goes on past its end to its start; from the start, nothing precedes.
                if (position >= plan.Order.Length)
                {
                    if (!positioned) break;
                    position -= plan.Order.Length;
                }
                var door = plans.Doors[plan.Order[position]];
                if (Free(door)) Take(door.AddressId, false);
                // Without a position every door before this one is taken now (by someone, or by this request): the
                // next request without one starts after it.
                if (!positioned) book.TakenTo(plan, position + 1);
            }
        }

        var grants = chosen.Select(c => c.Door.AddressId).ToList();
        foreach (var door in grants) book.Grant(door, sessionId, caller.UserId, until);

        HashSet<Guid> refused;
        try
        {
            refused = await LeaseWriter.WriteAsync(new LeaseWrite(CutId, sessionId, caller.UserId, grants, until, now,
                expired.Select(e => (e.AddressId, e.Lease.SessionId)).ToList()));
        }
        catch
        {
            // Nothing of this request was committed: its doors are not leased (renewed ones keep their old row until it runs out).
            foreach (var door in grants) book.Release(door, sessionId);
            book.Freed(now);
            throw;
        }
        foreach (var door in refused)
        {
            // Held by a live lease this grain does not know of (an overlapping cut): not offered until that lease could have run out.
            book.Release(door, sessionId);
            book.HeldElsewhere[door] = until;
        }
        PublishExpired(expired);
        var leased = chosen.Where(c => !refused.Contains(c.Door.AddressId)).ToList();
        if (leased.Count > 0)
            Live.Publish(LeaseTopics(sessionId), "doorsLeased", new
            {
                cutId = CutId, sessionId, userId = caller.UserId, leasedUntil = until,
                doors = leased.Select(c => new { addressId = c.Door.AddressId, latitude = c.Door.Latitude, longitude = c.Door.Longitude, reserved = c.Reserved }),
            });
        return new DoorLeaseView(sessionId, CutId, until, leased.Select((c, i) => new LeasedDoor(i + 1, c.Door.AddressId, c.Door.LocationId,
            c.Door.Address, c.Door.UnitNumber, c.Door.Latitude, c.Door.Longitude, until, c.Reserved)).ToList());
    }

    public async Task Prepare()
    {
        try
        {
            await Book();
            Grid(_plans!);
        }
        catch (Exception ex)
        {
            // The first lease request loads them again.
            logger.LogWarning(ex, "Could not prepare the door leases of cut {Cut}", CutId);
        }
    }

    public async Task<IReadOnlyDictionary<Guid, DateTimeOffset>> LeasesOf(Guid userId)
    {
        var book = await Book();
        var now = time.GetUtcNow();
        return book.Leases.Where(l => l.Value.UserId == userId && l.Value.Until > now).ToDictionary(l => l.Key, l => l.Value.Until);
    }

    public Task DoorVisited(Guid addressId, DateTimeOffset visitedAt)
    {
        Visited(addressId, visitedAt);
        return Task.CompletedTask;
    }

    public Task DoorsVisited(DoorVisit[] visits)
    {
        foreach (var visit in visits) Visited(visit.AddressId, visit.VisitedAt);
        return Task.CompletedTask;
    }

    private void Visited(Guid addressId, DateTimeOffset visitedAt)
    {
        // Not loaded: the visit's own statement deleted the door's lease row, and a load reads the visits.
        if (_book is not { } book) return;
        if (!book.Visited.TryGetValue(addressId, out var at) || at < visitedAt) book.Visited[addressId] = visitedAt;
        if (book.Leases.TryGetValue(addressId, out var lease) && book.Release(addressId, lease.SessionId))
        {
            // A grant still being committed when the visit was can leave a row behind: delete it after that grant.
            LeaseWriter.WriteAsync(new LeaseWrite(CutId, lease.SessionId, lease.UserId, [], lease.Until, time.GetUtcNow(), [(addressId, lease.SessionId)]))
                .ContinueWith(t => logger.LogWarning(t.Exception, "Could not release the lease of a visited door of cut {Cut}", CutId),
                    TaskContinuationOptions.OnlyOnFaulted);
            PublishReleased(lease.SessionId, [addressId], "VISITED");
        }
    }

    public async Task SessionEnded(Guid sessionId)
    {
        var doors = new List<Guid>();
        if (_book is { } book)
        {
            book.Sessions[sessionId] = new DoorLeaseBook.SessionEntry(book.Sessions.TryGetValue(sessionId, out var known) ? known.UserId : Guid.Empty, false);
            doors = book.ReleaseSession(sessionId);
            if (doors.Count > 0) book.Freed(time.GetUtcNow());
        }
        await LeaseWriter.WriteAsync(new LeaseWrite(CutId, sessionId, Guid.Empty, [], time.GetUtcNow(), time.GetUtcNow(), [], ReleaseSession: true));
        if (doors.Count > 0) PublishReleased(sessionId, doors, "SESSION_ENDED");
    }

    public async Task<ShiftTurfView> Turf(Guid shiftId, Caller caller)
    {
        var book = await Book();
        await RefreshTurf(book);
        var doorsById = DoorsById(_plans!);
        var now = time.GetUtcNow();
        var parts = book.Turf.Values.Where(p => p.ShiftId == shiftId && (caller.IsAdmin || p.UserId == caller.UserId))
            .Select(p => new TurfPart(p.UserId, p.Doors.Where(doorsById.ContainsKey).Select((d, i) =>
            {
                var door = doorsById[d];
                return new TurfDoor(i + 1, d, door.LocationId, door.Address, door.UnitNumber, door.Latitude, door.Longitude, book.VisitedLately(d, now));
            }).ToList()))
            .OrderBy(p => p.UserId).ToList();
        if (!caller.IsAdmin && parts.Count == 0) throw DomainException.NotFound("Turf kept for you on this shift");
        return new ShiftTurfView(shiftId, CutId, book.Shifts.TryGetValue(shiftId, out var times) ? times.StartsAt : null, parts);
    }

    private Task<DoorLeaseBook> Book()
    {
        if (_book is { } book) return Task.FromResult(book);
        if (_bookLoading is { IsCompleted: false } loading) return loading;
        return _bookLoading = LoadBook();
    }

    private async Task<DoorLeaseBook> LoadBook()
    {
        try
        {
            if (_plans is null)
            {
                var doors = await LoadDoors();
                if (_plans is null)
                {
                    _plans = new WalkPlans(doors);
                    _loadedAt = time.GetUtcNow();
                }
            }
            var now = time.GetUtcNow();
            var book = new DoorLeaseBook();
            foreach (var row in await LeaseRows.LiveLeasesAsync(db, CutId, now))
            {
                book.Grant(row.AddressId, row.SessionId, row.UserId, row.Until);
                book.Sessions[row.SessionId] = new DoorLeaseBook.SessionEntry(row.UserId, true);
            }
            foreach (var (addressId, visitedAt) in await LeaseRows.VisitedSinceAsync(db, CutId, now - DoorLeaseBook.VisitedRecently))
                book.Visited[addressId] = visitedAt;
            foreach (var group in (await LeaseRows.TurfAsync(db, CutId)).GroupBy(r => (r.ShiftId, r.UserId)))
                book.Reserve(new DoorLeaseBook.TurfPart(group.Key.ShiftId, group.Key.UserId, group.Select(r => r.AddressId).ToList()));
            _book = book;
            return book;
        }
        finally
        {
            _bookLoading = null;
        }
    }

    private async Task EnsureSession(DoorLeaseBook book, Guid sessionId, Caller caller)
    {
        if (!book.Sessions.TryGetValue(sessionId, out var entry))
        {
            var row = await LeaseRows.SessionAsync(db, sessionId);
            if (row is null || row.CutId != CutId) throw DomainException.NotFound("The session");
            entry = new DoorLeaseBook.SessionEntry(row.UserId, row.Status == CanvassSessionStatus.Active);
            // An end told while the row was read stays told.
            if (!book.Sessions.TryAdd(sessionId, entry)) entry = book.Sessions[sessionId];
        }
        if (entry.UserId != caller.UserId)
        {
            if (caller.IsAdmin) throw DomainException.Forbidden("Only the canvasser who owns the session leases doors for it.");
            throw DomainException.NotFound("The session");
        }
        if (!entry.Active) throw DomainException.Conflict("The session has ended; its doors were released.", new() { ["sessionStatus"] = "ENDED" });
    }

    private List<(Guid AddressId, DoorLeaseBook.Lease Lease)> ExpireLeases(DoorLeaseBook book, DateTimeOffset now)
    {
        var expired = book.Expire(now);
        if (expired.Count > 0) book.Freed(now);
        return expired;
    }

    private void PublishExpired(List<(Guid AddressId, DoorLeaseBook.Lease Lease)> expired)
    {
        foreach (var group in expired.GroupBy(e => e.Lease.SessionId))
            PublishReleased(group.Key, group.Select(e => e.AddressId).ToList(), "EXPIRED");
    }

    private void PublishReleased(Guid sessionId, List<Guid> doors, string reason) =>
        Live.Publish(LeaseTopics(sessionId), "doorsReleased", new { cutId = CutId, sessionId, addressIds = doors, reason });

    private string[] LeaseTopics(Guid sessionId) => [LiveTopics.CanvassCut(CutId), LiveTopics.Session(sessionId)];

    private RouteGrid? _grid;

    /// <summary>The cut's route from its own start (one plan, kept with the walk list's), indexed by where its doors are.</summary>
    private RouteGrid Grid(WalkPlans plans)
    {
        // Held here, not only among the walk list's kept plans: pages from many start areas could push it out of those.
        if (_grid is null || !ReferenceEquals(_grid.Plans, plans)) _grid = new RouteGrid(plans, plans.From(null, null));
        return _grid;
    }

    private WalkPlans? _indexedPlans;
    private Dictionary<Guid, WalkPlans.Door> _doorsById = new();

    private Dictionary<Guid, WalkPlans.Door> DoorsById(WalkPlans plans)
    {
        if (!ReferenceEquals(plans, _indexedPlans))
        {
            _doorsById = plans.Doors.ToDictionary(d => d.AddressId);
            _indexedPlans = plans;
        }
        return _doorsById;
    }

    /// <summary>
    /// Brings the turf in line with the shifts' confirmed signups, at most every <see cref="TurfRefresh"/>: a new signup gets
    /// its part, a cancelled one frees it, and once a shift has started, the parts of volunteers who had no session open
    /// on the cut at its start go back to everyone.
    /// </summary>
    private Task RefreshTurf(DoorLeaseBook book)
    {
        if (time.GetUtcNow() - book.TurfReadAt < TurfRefresh) return Task.CompletedTask;
        // A reading that already finished (it may finish before it is even stored here) is not waited on again.
        if (book.TurfReading is { IsCompleted: false } reading) return reading;
        return book.TurfReading = RefreshTurfCore(book);
    }

    private async Task RefreshTurfCore(DoorLeaseBook book)
    {
        try
        {
            var calendar = new ShiftCalendar(LeaseSettings.ShiftsTimeZone, time);
            var signups = await LeaseRows.ConfirmedSignupsAsync(db, CutId, calendar.Today.AddDays(-1));
            var now = time.GetUtcNow();
            foreach (var s in signups)
                book.Shifts[s.ShiftId] = new DoorLeaseBook.ShiftTimes(calendar.At(s.Date, s.StartTime), calendar.At(s.Date, s.EndTime));
            var wanted = signups.Where(s => book.Shifts[s.ShiftId].EndsAt > now).Select(s => (s.ShiftId, s.UserId)).ToHashSet();

            var released = new List<(DoorLeaseBook.TurfPart Part, string Reason)>();
            foreach (var part in book.Turf.Values.ToList())
            {
                if (wanted.Contains((part.ShiftId, part.UserId))) continue;
                var ended = book.Shifts.TryGetValue(part.ShiftId, out var times) && times.EndsAt <= now;
                released.Add((part, ended ? "SHIFT_ENDED" : "SIGNUP_CANCELLED"));
            }
            foreach (var shiftId in book.Turf.Values.Select(p => p.ShiftId).Distinct().ToList())
            {
                if (book.StartsChecked.Contains(shiftId) || !book.Shifts.TryGetValue(shiftId, out var times) || times.StartsAt > now) continue;
                var holders = book.Turf.Values.Where(p => p.ShiftId == shiftId && wanted.Contains((p.ShiftId, p.UserId))).ToList();
                var present = await LeaseRows.CanvassingAtAsync(db, CutId, holders.Select(p => p.UserId).ToArray(), times.StartsAt);
                released.AddRange(holders.Where(p => !present.Contains(p.UserId)).Select(p => (p, "NO_SHOW")));
                book.StartsChecked.Add(shiftId);
            }

            // Taken now, before the commit is awaited, so a lease decided meanwhile cannot take the same doors.
            now = time.GetUtcNow();
            foreach (var (part, _) in released) book.Unreserve(part);
            var reserved = new List<DoorLeaseBook.TurfPart>();
            var newcomers = signups.Where(s => wanted.Contains((s.ShiftId, s.UserId)) && !book.Turf.ContainsKey((s.ShiftId, s.UserId)) &&
                                               book.Shifts[s.ShiftId].StartsAt > now).DistinctBy(s => (s.ShiftId, s.UserId)).ToList();
            if (newcomers.Count > 0)
            {
                var plans = _plans!;
                var plan = Grid(plans).Plan;
                var next = 0;
                foreach (var signup in newcomers)
                {
                    var doors = new List<Guid>(LeaseSettings.TurfDoors);
                    for (; next < plan.Order.Length && doors.Count < LeaseSettings.TurfDoors; next++)
                    {
                        var id = plans.Doors[plan.Order[next]].AddressId;
                        if (!book.ReservedBy.ContainsKey(id) && !book.Leases.ContainsKey(id) && !book.VisitedLately(id, now) && !book.IsHeldElsewhere(id, now))
                            doors.Add(id);
                    }
                    var part = new DoorLeaseBook.TurfPart(signup.ShiftId, signup.UserId, doors);
                    book.Reserve(part);
                    reserved.Add(part);
                }
            }
            if (released.Count > 0) book.Freed(now);
            if (released.Count > 0 || reserved.Count > 0)
            {
                try
                {
                    await LeaseRows.WriteTurfAsync(db, CutId, released.Select(r => r.Part).ToList(), reserved, now);
                }
                catch
                {
                    foreach (var part in reserved) book.Unreserve(part);
                    foreach (var (part, _) in released) book.Reserve(part);
                    throw;
                }
                foreach (var (part, reason) in released)
                    Live.Publish(LiveTopics.CanvassCut(CutId), "turfReleased", new { cutId = CutId, shiftId = part.ShiftId, userId = part.UserId, reason });
                foreach (var part in reserved)
                    Live.Publish(LiveTopics.CanvassCut(CutId), "turfReserved", new { cutId = CutId, shiftId = part.ShiftId, userId = part.UserId, doors = part.Doors });
            }
            book.TurfReadAt = time.GetUtcNow();
        }
        finally
        {
            book.TurfReading = null;
        }
    }
}
