using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Interfaces.Map;

/// <summary>
/// The single writer of one building and its units. It keeps no copy of the row between calls: imports
/// and bulk geocoding write locations in bulk, so every command reads the row under a lock in its own
/// transaction and writes the change and its history together.
/// </summary>
[Alias("cml.map.ILocationGrain")]
public interface ILocationGrain : IGrainWithGuidKey
{
    [Alias("Create")] Task<Location> Create(LocationInput input, Guid? userId);
    [Alias("Update")] Task<Location> Update(LocationInput input, Guid? userId);
    [Alias("Delete")] Task Delete(Guid? userId);
    [Alias("Geocode")] Task<Location> Geocode(GeocodeProvider? provider, Guid? userId);
    [Alias("AddAddress")] Task<Address> AddAddress(AddressInput input, Guid? userId);
    [Alias("UpdateAddress")] Task<Address> UpdateAddress(Guid addressId, AddressInput input, Guid? userId);
    [Alias("DeleteAddress")] Task DeleteAddress(Guid addressId, Guid? userId);
}

[Alias("cml.map.ICutGrain")]
public interface ICutGrain : IGrainWithGuidKey
{
    [Alias("Create")] Task<Cut> Create(CutInput input, Guid? userId);
    [Alias("Update")] Task<Cut> Update(CutInput input, Guid? userId);
    [Alias("Delete")] Task Delete();

    /// <summary>
    /// Stores completionPercentage and lastCanvassed, which the canvassing module keeps current from canvass_visits
    /// (ICutProgressGrain; IMapQueryGrain.ComputeCutCompletion counts them afresh).
    /// </summary>
    [Alias("StoreCompletion")] Task StoreCompletion(CutCompletion completion);
}

/// <summary>The map settings singleton (key 0).</summary>
[Alias("cml.map.IMapSettingsGrain")]
public interface IMapSettingsGrain : IGrainWithIntegerKey
{
    [Alias("Get")] Task<MapSettings> Get();
    [Alias("Update")] Task<MapSettings> Update(MapSettings settings, Guid? userId);
}

/// <summary>
/// One background job (NAR import, CSV import, bulk geocoding). Uploads arrive as chunks that the grain
/// stores in PostgreSQL; the work then runs on whichever silo holds the grain and resumes after a crash.
/// </summary>
[Alias("cml.map.IMapJobGrain")]
public interface IMapJobGrain : IGrainWithGuidKey
{
    /// <summary>Creates the job row (status pending) that chunks are attached to.</summary>
    [Alias("BeginUpload")] Task BeginUpload(string type, Guid? userId);

    /// <summary>Declares file <paramref name="fileNo"/> of the upload.</summary>
    [Alias("AddFile")] Task AddFile(int fileNo, ImportFileKind kind, string? name);

    [Alias("AppendChunk")] Task AppendChunk(int fileNo, int seq, byte[] data);

    [Alias("StartNarImport")] Task StartNarImport(NarImportOptions options);
    [Alias("StartCsvImport")] Task StartCsvImport();

    /// <summary>An upload that failed or was refused: removes the job and every stored chunk.</summary>
    [Alias("Discard")] Task Discard();

    [Alias("StartBulkGeocode")] Task StartBulkGeocode(BulkGeocodeRequest request, Guid? userId);
}

/// <summary>Reads that span many rows, answered by SQL on any silo.</summary>
[Alias("cml.map.IMapQueryGrain")]
public interface IMapQueryGrain : IGrainWithIntegerKey
{
    [Alias("ListLocations")] Task<Page<Location>> ListLocations(LocationFilter filter, PageRequest page);
    [Alias("GetLocation")] Task<Location?> GetLocation(Guid id);
    [Alias("ListHistory")] Task<Page<LocationHistoryEntry>> ListHistory(Guid locationId, PageRequest page);
    [Alias("ListAddresses")] Task<IReadOnlyList<Address>> ListAddresses(Guid locationId);
    [Alias("FindAddressLocation")] Task<Guid?> FindAddressLocation(Guid addressId);
    [Alias("ListCuts")] Task<Page<Cut>> ListCuts(bool includePrivate, PageRequest page);
    [Alias("GetCut")] Task<Cut?> GetCut(Guid id);
    [Alias("LocationsInCut")] Task<Page<Location>> LocationsInCut(Guid cutId, PageRequest page);

    /// <summary>Every unit inside the cut (buildings without units appear once with no address id).</summary>
    [Alias("AddressesInCut")] Task<IReadOnlyList<CutAddressRow>> AddressesInCut(Guid cutId, int limit);

    [Alias("GetJob")] Task<MapJob?> GetJob(Guid jobId);
    [Alias("GetJobOwner")] Task<JobOwner?> GetJobOwner(Guid jobId);
    [Alias("ComputeCutCompletion")] Task<CutCompletion> ComputeCutCompletion(Guid cutId);
    /// <summary>The cut's doors (units inside its polygon), those with a visit in this cut, and its last visit.</summary>
    [Alias("CutDoorVisits")] Task<CutDoorVisits> CutDoorVisits(Guid cutId);
}

/// <summary>
/// One CSV export of a cut, streamed. Each export is its own activation (keyed by a fresh id): a stream's
/// enumerator lives in the activation that started it, and a stateless worker's next call may land on
/// another activation, which would end the stream half-way under load.
/// </summary>
[Alias("cml.map.ICutExportGrain")]
public interface ICutExportGrain : IGrainWithGuidKey
{
    /// <summary>Every unit inside the cut, as <see cref="IMapQueryGrain.AddressesInCut"/>, without a limit.</summary>
    [Alias("StreamAddresses")] IAsyncEnumerable<CutAddressRow> StreamAddresses(Guid cutId);
}
