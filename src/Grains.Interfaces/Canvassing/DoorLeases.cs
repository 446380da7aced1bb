using Orleans.Concurrency;

namespace ChangemakerLite.Grains.Interfaces.Canvassing;

/// <summary>
/// Door leases and shift turf of one cut (key: the cut's id). The same activation as the cut's <see cref="IWalkListGrain"/>
/// (one grain class serves both), so leases are decided against the routes the walk list keeps (docs/canvassing.md).
/// Every method may interleave with the others: each decides in memory without awaiting, then awaits its commit, so
/// a thousand canvassers asking at once share commits instead of queueing behind each other's.
/// </summary>
[Alias("cml.canvass.IDoorLeaseGrain")]
public interface IDoorLeaseGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Leases the session's next doors: its own leases first (renewed), then the caller's shift turf on this cut, then
    /// the next free doors in walking order from (<paramref name="latitude"/>, <paramref name="longitude"/>), up to
    /// <paramref name="count"/> in all. 404 unless the session is the caller's on this cut; 409 when it is not ACTIVE.
    /// </summary>
    [AlwaysInterleave, Alias("Lease")]
    Task<DoorLeaseView> Lease(Guid sessionId, Caller caller, double? latitude, double? longitude, int count);

    /// <summary>The doors leased to the caller's sessions on this cut, with when each lease runs out.</summary>
    [AlwaysInterleave, Alias("LeasesOf")]
    Task<IReadOnlyDictionary<Guid, DateTimeOffset>> LeasesOf(Guid userId);

    /// <summary>A visit to this door was committed (the visit's statement deleted its lease row): forget its lease.</summary>
    [AlwaysInterleave, Alias("DoorVisited")]
    Task DoorVisited(Guid addressId, DateTimeOffset visitedAt);

    /// <summary>Visits to these doors were committed (each visit's statement deleted its door's lease row): forget their leases.</summary>
    [AlwaysInterleave, Alias("DoorsVisited")]
    Task DoorsVisited(DoorVisit[] visits);

    /// <summary>The session ended or was abandoned: its leases are released.</summary>
    [AlwaysInterleave, Alias("SessionEnded")]
    Task SessionEnded(Guid sessionId);

    /// <summary>
    /// A session started on the cut: read its leases and plan its route now, so the first canvassers asking for doors
    /// (a shift starting) do not wait for it.
    /// </summary>
    [AlwaysInterleave, OneWay, Alias("Prepare")]
    Task Prepare();

    /// <summary>The turf kept on this cut for the shift's volunteers: every part for admins, else the caller's own.</summary>
    [AlwaysInterleave, Alias("Turf")]
    Task<ShiftTurfView> Turf(Guid shiftId, Caller caller);
}

/// <summary>One leased door, in the order the canvasser walks them.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.LeasedDoor")]
public sealed record LeasedDoor(
    [property: Id(0)] int Order,
    [property: Id(1)] Guid AddressId,
    [property: Id(2)] Guid LocationId,
    [property: Id(3)] string? Address,
    [property: Id(4)] string? UnitNumber,
    [property: Id(5)] double Latitude,
    [property: Id(6)] double Longitude,
    [property: Id(7)] DateTimeOffset LeasedUntil,
    [property: Id(8)] bool Reserved);

/// <summary>What a lease request got: every door the session now holds on the cut, all leased until <see cref="LeasedUntil"/>.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.DoorLeaseView")]
public sealed record DoorLeaseView(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] Guid CutId,
    [property: Id(2)] DateTimeOffset LeasedUntil,
    [property: Id(3)] IReadOnlyList<LeasedDoor> Doors);

/// <summary>A door of a volunteer's shift turf.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.TurfDoor")]
public sealed record TurfDoor(
    [property: Id(0)] int Order,
    [property: Id(1)] Guid AddressId,
    [property: Id(2)] Guid LocationId,
    [property: Id(3)] string? Address,
    [property: Id(4)] string? UnitNumber,
    [property: Id(5)] double Latitude,
    [property: Id(6)] double Longitude,
    [property: Id(7)] bool Visited);

/// <summary>The doors kept for one volunteer of a shift.</summary>
[GenerateSerializer, Immutable, Alias("cml.canvass.TurfPart")]
public sealed record TurfPart([property: Id(0)] Guid UserId, [property: Id(1)] IReadOnlyList<TurfDoor> Doors);

[GenerateSerializer, Immutable, Alias("cml.canvass.ShiftTurfView")]
public sealed record ShiftTurfView(
    [property: Id(0)] Guid ShiftId,
    [property: Id(1)] Guid? CutId,
    [property: Id(2)] DateTimeOffset? StartsAt,
    [property: Id(3)] IReadOnlyList<TurfPart> Parts);

/// <summary>The bounds of a lease request, both sides of the wire.</summary>
public static class DoorLeaseRules
{
    public const int DefaultCount = 10;
    public const int MaxCount = 50;
}
