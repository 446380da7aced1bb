namespace ChangemakerLite.Grains.Canvassing;

/// <summary>
/// What one cut's walk-list grain knows of its leases and shift turf, in memory: who holds each leased door and until
/// when, the doors visited lately, the doors kept for shift volunteers. The grain decides every lease against it
/// without awaiting, so requests interleaving at their commits never hand out one door twice.
/// </summary>
public sealed class DoorLeaseBook
{
    /// <summary>A door visited this recently is not offered again: a canvass session lasts at most this long.</summary>
    public static readonly TimeSpan VisitedRecently = Interfaces.Canvassing.CanvassRules.AbandonAfter;

    public readonly record struct Lease(Guid SessionId, Guid UserId, DateTimeOffset Until);

    public sealed record SessionEntry(Guid UserId, bool Active);

    /// <summary>The doors kept for one volunteer of one shift, in walking order.</summary>
    public sealed record TurfPart(Guid ShiftId, Guid UserId, List<Guid> Doors);

    public sealed record ShiftTimes(DateTimeOffset StartsAt, DateTimeOffset EndsAt);

    public Dictionary<Guid, Lease> Leases { get; } = new();
    public Dictionary<Guid, List<Guid>> BySession { get; } = new();
    public Dictionary<Guid, SessionEntry> Sessions { get; } = new();
    public Dictionary<Guid, DateTimeOffset> Visited { get; } = new();

    /// <summary>Doors another cut's lease holds (overlapping cuts), until when.</summary>
    public Dictionary<Guid, DateTimeOffset> HeldElsewhere { get; } = new();

    public Dictionary<(Guid ShiftId, Guid UserId), TurfPart> Turf { get; } = new();
    public Dictionary<Guid, (Guid ShiftId, Guid UserId)> ReservedBy { get; } = new();
    public Dictionary<Guid, ShiftTimes> Shifts { get; } = new();

    /// <summary>Shifts whose no-shows were released (their start has passed and was checked).</summary>
    public HashSet<Guid> StartsChecked { get; } = new();

    public DateTimeOffset TurfReadAt { get; set; } = DateTimeOffset.MinValue;
    public Task? TurfReading { get; set; }

    /// <summary>Leases by when they run out; an entry whose lease was renewed or released since is skipped.</summary>
    private readonly PriorityQueue<Guid, DateTimeOffset> _expiries = new();

    /// <summary>
    /// Per kept plan, how far from its start every door is taken (leased, visited, kept): a request scans from there,
    /// not from the start. Taking a door never makes an earlier one free, so this only moves on; anything that frees a
    /// door (a release, an expiry) forgets them all.
    /// </summary>
    private readonly Dictionary<WalkPlans.Plan, int> _taken = new(ReferenceEqualityComparer.Instance);
    private DateTimeOffset _takenSince = DateTimeOffset.MinValue;

    public int TakenUpTo(WalkPlans.Plan plan, DateTimeOffset now)
    {
        // Visits older than VisitedRecently make doors free again without a release: start over now and then.
        if (now - _takenSince > TimeSpan.FromMinutes(1)) Freed(now);
        return _taken.TryGetValue(plan, out var index) ? index : 0;
    }

    public void TakenTo(WalkPlans.Plan plan, int index) => _taken[plan] = index;

    public void Freed(DateTimeOffset now)
    {
        _taken.Clear();
        _takenSince = now;
    }

    public bool VisitedLately(Guid addressId, DateTimeOffset now) =>
        Visited.TryGetValue(addressId, out var at) && now - at < VisitedRecently;

    public bool LeasedToOther(Guid addressId, Guid sessionId, DateTimeOffset now) =>
        Leases.TryGetValue(addressId, out var lease) && lease.SessionId != sessionId && lease.Until > now;

    public bool IsHeldElsewhere(Guid addressId, DateTimeOffset now) => HeldElsewhere.TryGetValue(addressId, out var until) && until > now;

    /// <summary>Whether the door may be newly leased to this session's user: not leased, visited, kept for someone else.</summary>
    public bool FreeFor(Guid addressId, Guid sessionId, Guid userId, DateTimeOffset now) =>
        !LeasedToOther(addressId, sessionId, now) && !VisitedLately(addressId, now) && !IsHeldElsewhere(addressId, now) &&
        !(ReservedBy.TryGetValue(addressId, out var holder) && holder.UserId != userId);

    public void Grant(Guid addressId, Guid sessionId, Guid userId, DateTimeOffset until)
    {
        if (Leases.TryGetValue(addressId, out var earlier) && earlier.SessionId != sessionId) Forget(addressId, earlier.SessionId);
        Leases[addressId] = new Lease(sessionId, userId, until);
        if (!BySession.TryGetValue(sessionId, out var doors)) BySession[sessionId] = doors = [];
        if (!doors.Contains(addressId)) doors.Add(addressId);
        _expiries.Enqueue(addressId, until);
    }

    /// <summary>Drops the door's lease if <paramref name="sessionId"/> holds it; true when it did.</summary>
    public bool Release(Guid addressId, Guid sessionId)
    {
        if (!Leases.TryGetValue(addressId, out var lease) || lease.SessionId != sessionId) return false;
        Leases.Remove(addressId);
        Forget(addressId, sessionId);
        return true;
    }

    /// <summary>Drops every lease of the session; returns the doors it held.</summary>
    public List<Guid> ReleaseSession(Guid sessionId)
    {
        if (!BySession.Remove(sessionId, out var doors)) return [];
        foreach (var door in doors)
            if (Leases.TryGetValue(door, out var lease) && lease.SessionId == sessionId) Leases.Remove(door);
        return doors;
    }

    /// <summary>The leases that ran out by <paramref name="now"/>, dropped.</summary>
    public List<(Guid AddressId, Lease Lease)> Expire(DateTimeOffset now)
    {
        var expired = new List<(Guid, Lease)>();
        while (_expiries.TryPeek(out var addressId, out var until) && until <= now)
        {
            _expiries.Dequeue();
            if (Leases.TryGetValue(addressId, out var lease) && lease.Until <= now)
            {
                Leases.Remove(addressId);
                Forget(addressId, lease.SessionId);
                expired.Add((addressId, lease));
            }
        }
        return expired;
    }

    public IEnumerable<Guid> LeasesOfSession(Guid sessionId) => BySession.TryGetValue(sessionId, out var doors) ? doors : [];

    public void Reserve(TurfPart part)
    {
        Turf[(part.ShiftId, part.UserId)] = part;
        foreach (var door in part.Doors) ReservedBy[door] = (part.ShiftId, part.UserId);
    }

    public void Unreserve(TurfPart part)
    {
        Turf.Remove((part.ShiftId, part.UserId));
        foreach (var door in part.Doors)
            if (ReservedBy.TryGetValue(door, out var holder) && holder == (part.ShiftId, part.UserId)) ReservedBy.Remove(door);
    }

    private void Forget(Guid addressId, Guid sessionId)
    {
        if (BySession.TryGetValue(sessionId, out var doors))
        {
            doors.Remove(addressId);
            if (doors.Count == 0) BySession.Remove(sessionId);
        }
    }
}
