using ChangemakerLite.Grains.Interfaces.Media;

namespace ChangemakerLite.Grains.Interfaces.Map;

/// <summary>A building: one point on the map, the street address without a unit, and its units.</summary>
[GenerateSerializer, Immutable, Alias("cml.map.Location")]
public sealed record Location(
    [property: Id(0)] Guid Id,
    [property: Id(1)] double Latitude,
    [property: Id(2)] double Longitude,
    [property: Id(3)] string? Address,
    [property: Id(4)] string? PostalCode,
    [property: Id(5)] string? Province,
    [property: Id(6)] string? FederalDistrict,
    [property: Id(7)] int? BuildingUse,
    [property: Id(8)] string? LocGuid,
    [property: Id(9)] BuildingType? BuildingType,
    [property: Id(10)] int? TotalUnits,
    [property: Id(11)] string? BuildingNotes,
    [property: Id(12)] int? GeocodeConfidence,
    [property: Id(13)] GeocodeProvider? GeocodeProvider,
    [property: Id(14)] Guid? CreatedByUserId,
    [property: Id(15)] Guid? UpdatedByUserId,
    [property: Id(16)] DateTime CreatedAt,
    [property: Id(17)] DateTime UpdatedAt);

/// <summary>A unit of a building, with its occupant and what canvassers learned there.</summary>
[GenerateSerializer, Immutable, Alias("cml.map.Address")]
public sealed record Address(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid LocationId,
    [property: Id(2)] string? UnitNumber,
    [property: Id(3)] string? AddrGuid,
    [property: Id(4)] string? FirstName,
    [property: Id(5)] string? LastName,
    [property: Id(6)] string? Email,
    [property: Id(7)] string? Phone,
    [property: Id(8)] SupportLevel? SupportLevel,
    [property: Id(9)] bool Sign,
    [property: Id(10)] string? SignSize,
    [property: Id(11)] string? Notes,
    [property: Id(12)] DateTime CreatedAt,
    [property: Id(13)] DateTime UpdatedAt);

[GenerateSerializer, Immutable, Alias("cml.map.LocationHistoryEntry")]
public sealed record LocationHistoryEntry(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid LocationId,
    [property: Id(2)] Guid? UserId,
    [property: Id(3)] LocationHistoryAction Action,
    [property: Id(4)] string? Field,
    [property: Id(5)] string? OldValue,
    [property: Id(6)] string? NewValue,
    [property: Id(7)] string? MetadataJson,
    [property: Id(8)] DateTime CreatedAt);

/// <summary>
/// The fields of a location a command sets. <see cref="Fields"/> names the ones present in the request
/// (camelCase), so a PATCH can tell "set to null" from "leave alone".
/// </summary>
[GenerateSerializer, Immutable, Alias("cml.map.LocationInput")]
public sealed record LocationInput(
    [property: Id(0)] string[] Fields,
    [property: Id(1)] double? Latitude = null,
    [property: Id(2)] double? Longitude = null,
    [property: Id(3)] string? Address = null,
    [property: Id(4)] string? PostalCode = null,
    [property: Id(5)] string? Province = null,
    [property: Id(6)] string? FederalDistrict = null,
    [property: Id(7)] int? BuildingUse = null,
    [property: Id(8)] BuildingType? BuildingType = null,
    [property: Id(9)] int? TotalUnits = null,
    [property: Id(10)] string? BuildingNotes = null,
    [property: Id(11)] GeocodeProvider? GeocodeWith = null)
{
    public bool Has(string field) => Array.IndexOf(Fields, field) >= 0;
}

[GenerateSerializer, Immutable, Alias("cml.map.AddressInput")]
public sealed record AddressInput(
    [property: Id(0)] string[] Fields,
    [property: Id(1)] string? UnitNumber = null,
    [property: Id(2)] string? FirstName = null,
    [property: Id(3)] string? LastName = null,
    [property: Id(4)] string? Email = null,
    [property: Id(5)] string? Phone = null,
    [property: Id(6)] SupportLevel? SupportLevel = null,
    [property: Id(7)] bool? Sign = null,
    [property: Id(8)] string? SignSize = null,
    [property: Id(9)] string? Notes = null)
{
    public bool Has(string field) => Array.IndexOf(Fields, field) >= 0;
}

[GenerateSerializer, Immutable, Alias("cml.map.BoundingBox")]
public sealed record BoundingBox(
    [property: Id(0)] double MinLng,
    [property: Id(1)] double MinLat,
    [property: Id(2)] double MaxLng,
    [property: Id(3)] double MaxLat)
{
    public bool Contains(double latitude, double longitude) =>
        latitude >= MinLat && latitude <= MaxLat && longitude >= MinLng && longitude <= MaxLng;
}

[GenerateSerializer, Immutable, Alias("cml.map.LocationFilter")]
public sealed record LocationFilter(
    [property: Id(0)] BoundingBox? Bbox = null,
    [property: Id(1)] Guid? CutId = null,
    [property: Id(2)] string? PostalCode = null,
    [property: Id(3)] string? Search = null);

[GenerateSerializer, Immutable, Alias("cml.map.Cut")]
public sealed record Cut(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string? Description,
    [property: Id(3)] string Color,
    [property: Id(4)] double Opacity,
    [property: Id(5)] CutCategory Category,
    [property: Id(6)] bool IsPublic,
    [property: Id(7)] bool IsOfficial,
    [property: Id(8)] string GeoJson,
    [property: Id(9)] BoundingBox Bounds,
    [property: Id(10)] bool ShowLocations,
    [property: Id(11)] bool ExportEnabled,
    [property: Id(12)] string? AssignedTo,
    [property: Id(13)] string? FilterSettingsJson,
    [property: Id(14)] DateTime? LastCanvassed,
    [property: Id(15)] int CompletionPercentage,
    [property: Id(16)] Guid? CreatedByUserId,
    [property: Id(17)] DateTime CreatedAt,
    [property: Id(18)] DateTime UpdatedAt);

[GenerateSerializer, Immutable, Alias("cml.map.CutInput")]
public sealed record CutInput(
    [property: Id(0)] string[] Fields,
    [property: Id(1)] string? Name = null,
    [property: Id(2)] string? Description = null,
    [property: Id(3)] string? Color = null,
    [property: Id(4)] double? Opacity = null,
    [property: Id(5)] CutCategory? Category = null,
    [property: Id(6)] bool? IsPublic = null,
    [property: Id(7)] bool? IsOfficial = null,
    [property: Id(8)] string? GeoJson = null,
    [property: Id(9)] bool? ShowLocations = null,
    [property: Id(10)] bool? ExportEnabled = null,
    [property: Id(11)] string? AssignedTo = null,
    [property: Id(12)] string? FilterSettingsJson = null)
{
    public bool Has(string field) => Array.IndexOf(Fields, field) >= 0;
}

[GenerateSerializer, Immutable, Alias("cml.map.CutCompletion")]
public sealed record CutCompletion(
    [property: Id(0)] Guid CutId,
    [property: Id(1)] int TotalAddresses,
    [property: Id(2)] int VisitedAddresses,
    [property: Id(3)] int CompletionPercentage,
    [property: Id(4)] DateTime? LastCanvassed)
{
    public static CutCompletion Of(Guid cutId, int doors, int visited, DateTime? lastCanvassed) =>
        new(cutId, doors, visited, doors == 0 ? 0 : (int)Math.Floor(visited * 100.0 / doors), lastCanvassed);
}

[GenerateSerializer, Immutable, Alias("cml.map.CutDoorVisits")]
public sealed record CutDoorVisits(
    [property: Id(0)] Guid CutId,
    [property: Id(1)] Guid[] Doors,
    [property: Id(2)] Guid[] Visited,
    [property: Id(3)] DateTime? LastCanvassed)
{
    public CutCompletion Completion() => CutCompletion.Of(CutId, Doors.Length, Visited.Length, LastCanvassed);
}

[GenerateSerializer, Immutable, Alias("cml.map.MapSettings")]
public sealed record MapSettings(
    [property: Id(0)] double Latitude,
    [property: Id(1)] double Longitude,
    [property: Id(2)] int Zoom,
    [property: Id(3)] string? WalkSheetTitle,
    [property: Id(4)] string? WalkSheetSubtitle,
    [property: Id(5)] string? WalkSheetFooter,
    [property: Id(6)] string? QrCode1Url,
    [property: Id(7)] string? QrCode1Label,
    [property: Id(8)] string? QrCode2Url,
    [property: Id(9)] string? QrCode2Label,
    [property: Id(10)] string? QrCode3Url,
    [property: Id(11)] string? QrCode3Label,
    [property: Id(12)] DateTime? UpdatedAt)
{
    /// <summary>What a fresh system shows before anyone saved settings (the table's column defaults).</summary>
    public static readonly MapSettings Defaults = new(53.5461, -113.4938, 11, null, null, null, null, null, null, null, null, null, null);
}

/// <summary>One unit on a walk sheet or in an export: the building's address and point with the unit's data.</summary>
[GenerateSerializer, Immutable, Alias("cml.map.CutAddressRow")]
public sealed record CutAddressRow(
    [property: Id(0)] Guid LocationId,
    [property: Id(1)] Guid? AddressId,
    [property: Id(2)] string? Address,
    [property: Id(3)] string? UnitNumber,
    [property: Id(4)] string? PostalCode,
    [property: Id(5)] double Latitude,
    [property: Id(6)] double Longitude,
    [property: Id(7)] string? FirstName,
    [property: Id(8)] string? LastName,
    [property: Id(9)] string? Email,
    [property: Id(10)] string? Phone,
    [property: Id(11)] SupportLevel? SupportLevel,
    [property: Id(12)] bool Sign,
    [property: Id(13)] string? Notes,
    [property: Id(14)] BuildingType? BuildingType,
    [property: Id(15)] string? Province);

[GenerateSerializer, Immutable, Alias("cml.map.JobError")]
public sealed record JobError(
    [property: Id(0)] string? File,
    [property: Id(1)] long? Line,
    [property: Id(2)] string Message);

[GenerateSerializer, Immutable, Alias("cml.map.MapJob")]
public sealed record MapJob(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Type,
    [property: Id(2)] JobStatus Status,
    [property: Id(3)] long Processed,
    [property: Id(4)] long? Total,
    [property: Id(5)] int Progress,
    [property: Id(6)] IReadOnlyList<JobError> Errors,
    [property: Id(7)] string? ResultJson,
    [property: Id(8)] string? Error,
    [property: Id(9)] Guid? CreatedByUserId,
    [property: Id(10)] DateTime CreatedAt,
    [property: Id(11)] DateTime? StartedAt,
    [property: Id(12)] DateTime? CompletedAt);

public static class MapJobTypes
{
    public const string NarImport = "map.import.nar";
    public const string CsvImport = "map.import.csv";
    public const string BulkGeocode = "map.geocode.bulk";

    public static bool IsMapJob(string type) => type.StartsWith("map.", StringComparison.Ordinal);
}

/// <summary>What a NAR import keeps: residential buildings only by default, and optionally one area.</summary>
[GenerateSerializer, Immutable, Alias("cml.map.NarImportOptions")]
public sealed record NarImportOptions(
    [property: Id(0)] bool ResidentialOnly = true,
    [property: Id(1)] IReadOnlyList<string>? ProvinceCodes = null,
    [property: Id(2)] IReadOnlyList<string>? PostalCodePrefixes = null,
    [property: Id(3)] BoundingBox? Bbox = null);

public enum ImportFileKind { NarAddress, NarLocation, Csv }

[GenerateSerializer, Immutable, Alias("cml.map.BulkGeocodeRequest")]
public sealed record BulkGeocodeRequest(
    [property: Id(0)] IReadOnlyList<Guid>? LocationIds,
    [property: Id(1)] bool OnlyMissing,
    [property: Id(2)] GeocodeProvider? Provider = null);

[GenerateSerializer, Immutable, Alias("cml.map.JobOwner")]
public sealed record JobOwner(
    [property: Id(0)] string Type,
    [property: Id(1)] Guid? CreatedByUserId);
