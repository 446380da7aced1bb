using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Interfaces.Canvassing;

/// <summary>
/// The single writer of one canvass session (key: the session id): its state machine
/// ACTIVE → COMPLETED (ended) or ABANDONED (12 hours without ending), and its visits.
/// </summary>
[Alias("cml.canvass.ICanvassSessionGrain")]
public interface ICanvassSessionGrain : IGrainWithGuidKey
{
    /// <summary>Creates the session and its tracking session; 409 with <c>activeSessionId</c> if the user has one already.</summary>
    [Alias("Start")] Task<CanvassSessionView> Start(Caller caller, StartSessionCommand command);

    [Alias("RecordVisit")] Task<VisitResult> RecordVisit(Caller caller, RecordVisitCommand command);

    /// <summary>ACTIVE → COMPLETED, by the owner or an admin.</summary>
    [Alias("End")] Task<CanvassSessionView> End(Caller caller);

    /// <summary>ACTIVE → ABANDONED once the session is 12 hours old; a no-op otherwise. Returns true when it abandoned.</summary>
    [Alias("AbandonIfOverdue")] Task<bool> AbandonIfOverdue();

    /// <summary>The session as the grain holds it; 404 when there is none, 403 unless owner or admin.</summary>
    [Alias("Get")] Task<CanvassSessionView> Get(Caller caller);
}

/// <summary>
/// The single writer of one GPS trail (key: the canvass session id; the trail is 1:1 with it, so a phone
/// addresses both with the one id it knows). Points are buffered and written in batches, and each call is
/// answered only once its points are committed.
/// </summary>
[Alias("cml.canvass.ITrackingSessionGrain")]
public interface ITrackingSessionGrain : IGrainWithGuidKey
{
    [Alias("AddPoints")] Task<PointsResult> AddPoints(Caller caller, IReadOnlyList<TrackPointInput> points);

    /// <summary>Stops the trail (flushing what is buffered) and writes the SESSION_ENDED marker; safe to repeat.</summary>
    [Alias("Close")] Task Close(DateTimeOffset endedAt);
}

/// <summary>
/// Keeps one cut's canvass progress (completion % and last canvassed) current. It counts the cut's doors and which of
/// them were visited once, then adds each visit it is told of, so a visit costs it a set lookup however large the cut;
/// it stores the figures at most once an interval, and counts the cut afresh now and then (doors and visits can be
/// deleted, the cut redrawn).
/// </summary>
/// <summary>A committed visit to a door, as a cut's progress counts it.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.DoorVisit")]
public readonly record struct DoorVisit([property: Id(0)] Guid AddressId, [property: Id(1)] DateTimeOffset VisitedAt);

[Alias("cml.canvass.ICutProgressGrain")]
public interface ICutProgressGrain : IGrainWithGuidKey
{
    /// <summary>A visit to this door, in this cut, was committed.</summary>
    [Alias("DoorVisited"), Orleans.Concurrency.OneWay] Task DoorVisited(Guid addressId, DateTimeOffset visitedAt);

    /// <summary>Visits to doors of this cut were committed: a silo's visits of one short window, told in one call.</summary>
    [Alias("DoorsVisited"), Orleans.Concurrency.OneWay] Task DoorsVisited(DoorVisit[] visits);

    /// <summary>Something only a fresh count shows may have changed: count the cut again at the next store.</summary>
    [Alias("RecountSoon"), Orleans.Concurrency.OneWay] Task RecountSoon();

    /// <summary>Counts the cut afresh, stores and returns the percentage.</summary>
    [Alias("RefreshNow")] Task<int> RefreshNow();
}

/// <summary>
/// The backstop of the 12-hour rule: a reminder-driven sweep that abandons overdue ACTIVE sessions whose
/// own reminder missed its tick (or whose reminder row is gone), and closes trails left open.
/// </summary>
[Alias("cml.canvass.ICanvassSweepGrain")]
public interface ICanvassSweepGrain : IGrainWithIntegerKey
{
    [Alias("Ensure")] Task Ensure();
    [Alias("SweepNow")] Task<int> SweepNow();
}

/// <summary>
/// The walk list of one cut (key: the cut's id). It holds the cut's doors and the planned routes from the last few start
/// areas, so a page of a walk list costs a slice of a plan made once rather than a plan per request (docs/canvassing.md).
/// </summary>
[Alias("cml.canvass.IWalkListGrain")]
public interface IWalkListGrain : IGrainWithGuidKey
{
    /// <summary>
    /// A page of the route from the start area of (<paramref name="fromLatitude"/>, <paramref name="fromLongitude"/>);
    /// support levels and last outcomes only when <paramref name="withSupport"/> (the caller holds the grant).
    /// </summary>
    [Alias("Page")] Task<WalkList> Page(double? fromLatitude, double? fromLongitude, PageRequest page, bool withSupport);
}

/// <summary>Reads that span rows, answered by SQL on any silo.</summary>
[Alias("cml.canvass.ICanvassQueryGrain")]
public interface ICanvassQueryGrain : IGrainWithIntegerKey
{
    [Alias("ListSessions")] Task<Page<CanvassSessionView>> ListSessions(SessionFilter filter, PageRequest page);
    [Alias("GetSession")] Task<CanvassSessionDetails?> GetSession(Guid sessionId);
    [Alias("GetActiveSession")] Task<CanvassSessionDetails?> GetActiveSession(Guid userId);
    [Alias("GetOwnership")] Task<SessionOwnership?> GetOwnership(Guid sessionId);
    [Alias("GetTrack")] Task<TrackView?> GetTrack(Guid sessionId);

    /// <summary>Whether the user may canvass the cut: public cuts, cuts of shifts they signed up for, or any cut for admins.</summary>
    [Alias("MayCanvassCut")] Task<bool> MayCanvassCut(Guid cutId, Caller caller);

    [Alias("CutStats")] Task<CutStats> CutStats(Guid cutId);
}
