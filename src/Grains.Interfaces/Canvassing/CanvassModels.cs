using ChangemakerLite.Grains.Interfaces.Map;

namespace ChangemakerLite.Grains.Interfaces.Canvassing;

/// <summary>Who is asking: grains decide ownership and admin rights from it (the frontend resolves the role).</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.Caller")]
public sealed record Caller([property: Id(0)] Guid UserId, [property: Id(1)] bool IsAdmin);

[GenerateSerializer, Immutable, Alias("cml.canvass.StartSessionCommand")]
public sealed record StartSessionCommand(
    [property: Id(0)] Guid CutId,
    [property: Id(1)] Guid? ShiftId,
    [property: Id(2)] double? StartLatitude,
    [property: Id(3)] double? StartLongitude);

/// <summary>A canvass session as the API shows it (POST /sessions, GET /sessions/active, the list).</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.CanvassSessionView")]
public sealed record CanvassSessionView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] Guid? CutId,
    [property: Id(3)] Guid? ShiftId,
    [property: Id(4)] CanvassSessionStatus Status,
    [property: Id(5)] DateTimeOffset StartedAt,
    [property: Id(6)] DateTimeOffset? EndedAt,
    [property: Id(7)] double? StartLatitude,
    [property: Id(8)] double? StartLongitude,
    [property: Id(9)] Guid TrackingSessionId,
    [property: Id(10)] DateTimeOffset AbandonsAt);

/// <summary>GET /sessions/{id}: the session with its progress.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.CanvassSessionDetails")]
public sealed record CanvassSessionDetails(
    [property: Id(0)] CanvassSessionView Session,
    [property: Id(1)] int TotalVisits,
    [property: Id(2)] Dictionary<string, int> VisitsByOutcome,
    [property: Id(3)] int TotalPoints,
    [property: Id(4)] double TotalDistanceM,
    [property: Id(5)] long DurationSeconds,
    [property: Id(6)] double? LastLatitude,
    [property: Id(7)] double? LastLongitude,
    [property: Id(8)] DateTimeOffset? LastRecordedAt);

[GenerateSerializer, Immutable, Alias("cml.canvass.RecordVisitCommand")]
public sealed record RecordVisitCommand(
    [property: Id(0)] Guid ClientVisitId,
    [property: Id(1)] Guid AddressId,
    [property: Id(2)] VisitOutcome Outcome,
    [property: Id(3)] SupportLevel? SupportLevel,
    [property: Id(4)] bool? SignRequested,
    [property: Id(5)] string? SignSize,
    [property: Id(6)] string? Notes,
    [property: Id(7)] int? DurationSeconds,
    [property: Id(8)] DateTimeOffset? VisitedAt,
    [property: Id(9)] bool AllowOutsideCut);

[GenerateSerializer, Immutable, Alias("cml.canvass.VisitView")]
public sealed record VisitView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ClientVisitId,
    [property: Id(2)] Guid SessionId,
    [property: Id(3)] Guid AddressId,
    [property: Id(4)] Guid UserId,
    [property: Id(5)] Guid? CutId,
    [property: Id(6)] Guid? ShiftId,
    [property: Id(7)] VisitOutcome Outcome,
    [property: Id(8)] SupportLevel? SupportLevel,
    [property: Id(9)] bool SignRequested,
    [property: Id(10)] string? SignSize,
    [property: Id(11)] string? Notes,
    [property: Id(12)] int? DurationSeconds,
    [property: Id(13)] DateTimeOffset VisitedAt);

/// <summary>The visit and whether this call wrote it (201) or replayed an earlier one (200).</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.VisitResult")]
public sealed record VisitResult([property: Id(0)] VisitView Visit, [property: Id(1)] bool Created);

/// <summary>One GPS fix from a phone; <see cref="Seq"/> is the phone's own counter and makes retries harmless.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.TrackPointInput")]
public sealed record TrackPointInput(
    [property: Id(0)] long Seq,
    [property: Id(1)] double Latitude,
    [property: Id(2)] double Longitude,
    [property: Id(3)] double? Accuracy,
    [property: Id(4)] DateTimeOffset RecordedAt,
    [property: Id(5)] TrackPointEvent? EventType);

[GenerateSerializer, Immutable, Alias("cml.canvass.PointsResult")]
public sealed record PointsResult([property: Id(0)] int Accepted, [property: Id(1)] int Duplicates);

/// <summary>A point of the breadcrumb trail; <see cref="Seq"/> is null for markers the server wrote.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.TrackPointView")]
public sealed record TrackPointView(
    [property: Id(0)] long? Seq,
    [property: Id(1)] double Latitude,
    [property: Id(2)] double Longitude,
    [property: Id(3)] double? Accuracy,
    [property: Id(4)] DateTimeOffset RecordedAt,
    [property: Id(5)] TrackPointEvent? EventType);

[GenerateSerializer, Immutable, Alias("cml.canvass.TrackView")]
public sealed record TrackView(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] Guid TrackingSessionId,
    [property: Id(2)] bool IsActive,
    [property: Id(3)] int TotalPoints,
    [property: Id(4)] double TotalDistanceM,
    [property: Id(5)] IReadOnlyList<TrackPointView> Points);

[GenerateSerializer, Immutable, Alias("cml.canvass.SessionFilter")]
public sealed record SessionFilter(
    [property: Id(0)] CanvassSessionStatus? Status,
    [property: Id(1)] Guid? UserId,
    [property: Id(2)] Guid? CutId,
    [property: Id(3)] Guid? ShiftId);

/// <summary>
/// The door's latest visit ("last knocked by X, N minutes ago"); <see cref="Outcome"/> is null for callers without the
/// support-levels grant. <see cref="CanvasserName"/> is the canvasser's name (null when their account has none).
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.LastVisit")]
public sealed record LastVisit(
    [property: Id(0)] VisitOutcome? Outcome,
    [property: Id(1)] DateTimeOffset VisitedAt,
    [property: Id(2)] Guid? CanvasserId = null,
    [property: Id(3)] string? CanvasserName = null);

/// <summary>One door of a walk list, in walking order; <see cref="LeasedUntil"/> is set on the doors leased to the caller.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.WalkListItem")]
public sealed record WalkListItem(
    [property: Id(0)] int Order,
    [property: Id(1)] Guid AddressId,
    [property: Id(2)] Guid LocationId,
    [property: Id(3)] string? Address,
    [property: Id(4)] string? UnitNumber,
    [property: Id(5)] double Latitude,
    [property: Id(6)] double Longitude,
    [property: Id(7)] SupportLevel? SupportLevel,
    [property: Id(8)] LastVisit? LastVisit,
    [property: Id(20)] DateTimeOffset? LeasedUntil = null);

/// <summary>
/// One page of a cut's walk list: <see cref="Doors"/>, <see cref="Buildings"/> and <see cref="RouteDistanceM"/> are of the
/// whole route, <see cref="Items"/> the doors of page <see cref="Page"/> (their <c>order</c> counts from the route's start).
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.WalkList")]
public sealed record WalkList(
    [property: Id(0)] Guid CutId,
    [property: Id(1)] int Buildings,
    [property: Id(2)] int Doors,
    [property: Id(3)] double RouteDistanceM,
    [property: Id(4)] IReadOnlyList<WalkListItem> Items,
    [property: Id(5)] int Page = 1,
    [property: Id(6)] int PageSize = 0);

[GenerateSerializer, Immutable, Alias("cml.canvass.CutStats")]
public sealed record CutStats(
    [property: Id(0)] Guid CutId,
    [property: Id(1)] int Doors,
    [property: Id(2)] int VisitedDoors,
    [property: Id(3)] int CompletionPercentage,
    [property: Id(4)] int TotalVisits,
    [property: Id(5)] Dictionary<string, int> VisitsByOutcome,
    [property: Id(6)] Dictionary<string, int> SupportLevels,
    [property: Id(7)] int ActiveSessions,
    [property: Id(8)] DateTimeOffset? LastCanvassed);

/// <summary>What a live-topic check needs to know about a session.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.SessionOwnership")]
public sealed record SessionOwnership([property: Id(0)] Guid SessionId, [property: Id(1)] Guid UserId, [property: Id(2)] Guid? CutId);

/// <summary>The rules both sides of the wire agree on (frontend validation, grain enforcement).</summary>
public static class CanvassRules
{
    /// <summary>A session left ACTIVE this long is abandoned (the original system's 12-hour cron rule).</summary>
    public static readonly TimeSpan AbandonAfter = TimeSpan.FromHours(12);

    public const int MaxPointsPerRequest = 1000;

    /// <summary>Phones' clocks drift; a fix stamped slightly ahead of the server is still believable.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    /// <summary>A segment implying more than this speed (m/s, ~180 km/h) is a GPS jump, not walking or driving.</summary>
    public const double MaxSpeedMetersPerSecond = 50;

    /// <summary>Fixes less precise than this (metres) are kept in the trail but do not count towards distance.</summary>
    public const double MaxAccuracyMeters = 100;

    public const int MaxNotesLength = 4000;
    public const int MaxSignSizeLength = 50;
    public const int MaxDurationSeconds = 24 * 3600;
}
