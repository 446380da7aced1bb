using System.Globalization;
using System.Text;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Map;
using ChangemakerLite.WebFrontend.Platform;
using Microsoft.AspNetCore.Http.HttpResults;

// In the frontend's root namespace so that FrontendApp maps the module with one line and no extra using.
namespace ChangemakerLite.WebFrontend;

/// <summary>The map module's HTTP API (docs/api/map.md): locations and units, geocoding, imports, jobs, cuts, walk sheets, settings.</summary>
public static class MapEndpoints
{
    private static readonly string MapAdmins = Policies.Administer(AdminApp.Map);

    // Create and PATCH share one record per thing: a field left out of a PATCH is left alone, a field sent as null is
    // cleared, so those fields are JsonElements read through JsonFields.

    /// <summary>A building. Creating needs latitude and longitude, or an address to geocode (with <c>provider</c>).</summary>
    public sealed record LocationRequest(JsonElement Latitude, JsonElement Longitude, JsonElement Address, JsonElement PostalCode,
        JsonElement Province, JsonElement FederalDistrict, JsonElement BuildingUse, JsonElement BuildingType, JsonElement TotalUnits,
        JsonElement BuildingNotes, JsonElement Provider);

    /// <summary>A unit of a building and what canvassers learnt there.</summary>
    public sealed record AddressRequest(JsonElement UnitNumber, JsonElement FirstName, JsonElement LastName, JsonElement Email, JsonElement Phone,
        JsonElement SupportLevel, JsonElement Sign, JsonElement SignSize, JsonElement Notes);

    /// <summary>A cut: a named polygon (GeoJSON Polygon or MultiPolygon) of the turf. Creating needs name and geojson.</summary>
    public sealed record CutRequest(JsonElement Name, JsonElement Description, JsonElement Color, JsonElement Opacity, JsonElement Category,
        JsonElement IsPublic, JsonElement IsOfficial, JsonElement Geojson, JsonElement ShowLocations, JsonElement ExportEnabled,
        JsonElement AssignedTo, JsonElement FilterSettings);

    /// <summary>Geocode one location again; without a provider the configured chain decides.</summary>
    public sealed record GeocodeLocationRequest(GeocodeProvider? Provider);

    /// <summary>Geocode the listed locations (every location when left out); <c>onlyMissing</c> skips those with a result.</summary>
    public sealed record StartBulkGeocodeRequest(Guid[]? LocationIds, bool? OnlyMissing, GeocodeProvider? Provider);

    /// <summary>PUT replaces the walk-sheet texts; an omitted map position keeps the current one.</summary>
    public sealed record MapSettingsRequest(double? Latitude, double? Longitude, int? Zoom, string? WalkSheetTitle, string? WalkSheetSubtitle,
        string? WalkSheetFooter, string? QrCode1Url, string? QrCode1Label, string? QrCode2Url, string? QrCode2Label, string? QrCode3Url,
        string? QrCode3Label);

    public sealed record CutBoundsResponse(double MinLat, double MinLng, double MaxLat, double MaxLng);

    public sealed record CutResponse(Guid Id, string Name, string? Description, string Color, double Opacity, CutCategory Category, bool IsPublic,
        bool IsOfficial, JsonElement? Geojson, CutBoundsResponse Bounds, bool ShowLocations, bool ExportEnabled, string? AssignedTo,
        JsonElement? FilterSettings, DateTime? LastCanvassed, int CompletionPercentage, Guid? CreatedByUserId, DateTime CreatedAt, DateTime UpdatedAt);

    public sealed record LocationHistoryResponse(Guid Id, Guid LocationId, Guid? UserId, LocationHistoryAction Action, string? Field, string? OldValue,
        string? NewValue, JsonElement? Metadata, DateTime CreatedAt);

    public sealed record JobResponse(Guid Id, string Type, JobStatus Status, long Processed, long? Total, int Progress, IReadOnlyList<JobError> Errors,
        JsonElement? Result, string? Error, Guid? CreatedByUserId, DateTime CreatedAt, DateTime? StartedAt, DateTime? CompletedAt);

    /// <summary>A job was queued; follow it at <c>/api/map/jobs/{jobId}</c> and on the live topic <c>job:{jobId}</c>.</summary>
    public sealed record JobAcceptedResponse(Guid JobId);

    public static IEndpointRouteBuilder MapMapEndpoints(this IEndpointRouteBuilder app)
    {
        var map = app.MapGroup("/api/map").WithTags("Map");

        // Locations (buildings)
        map.MapGet("/locations", ListLocations).RequireAuthorization(MapAdmins).ProducesProblems(400).ProducesAuthProblems();
        map.MapPost("/locations", CreateLocation).RequireAuthorization(MapAdmins).ProducesProblems(400, 409).ProducesAuthProblems();
        map.MapGet("/locations/{id:guid}", GetLocation).RequireAuthorization(MapAdmins).ProducesProblems(404).ProducesAuthProblems();
        map.MapPatch("/locations/{id:guid}", UpdateLocation).RequireAuthorization(MapAdmins).ProducesProblems(400, 404, 409).ProducesAuthProblems();
        map.MapDelete("/locations/{id:guid}", DeleteLocation).RequireAuthorization(MapAdmins).ProducesProblems(404).ProducesAuthProblems();
        map.MapGet("/locations/{id:guid}/history", ListHistory).RequireAuthorization(MapAdmins).ProducesProblems(400).ProducesAuthProblems();
        map.MapPost("/locations/{id:guid}/geocode", GeocodeLocation).RequireAuthorization(MapAdmins).ProducesProblems(400, 404, 409).ProducesAuthProblems();

        // Addresses (units)
        map.MapGet("/locations/{id:guid}/addresses", ListAddresses).RequireAuthorization(MapAdmins).ProducesProblems(404).ProducesAuthProblems();
        map.MapPost("/locations/{id:guid}/addresses", CreateAddress).RequireAuthorization(MapAdmins).ProducesProblems(400, 404, 409).ProducesAuthProblems();
        map.MapPatch("/addresses/{id:guid}", UpdateAddress).RequireAuthorization(MapAdmins).ProducesProblems(400, 404, 409).ProducesAuthProblems();
        map.MapDelete("/addresses/{id:guid}", DeleteAddress).RequireAuthorization(MapAdmins).ProducesProblems(404).ProducesAuthProblems();

        // Jobs: bulk geocoding and imports
        map.MapPost("/geocode/bulk", BulkGeocode).RequireAuthorization(MapAdmins).ProducesProblems(400).ProducesAuthProblems();
        // The uploads are multipart/form-data, streamed by MapUploads. They declare no Accepts metadata: that would make
        // routing answer a wrong media type with 415 before authorization answers 401/403.
        map.MapPost("/imports/nar", ImportNar).RequireAuthorization(MapAdmins).DisableAntiforgery()
            .WithDescription("multipart/form-data: the register's address file (addresses) and location file (locations); options residentialOnly, province, postalCode, bbox as form fields or query parameters.")
            .ProducesProblems(400, 413, 415).ProducesAuthProblems();
        map.MapPost("/imports/csv", ImportCsv).RequireAuthorization(MapAdmins).DisableAntiforgery()
            .WithDescription("multipart/form-data: one CSV file whose header names at least address, latitude and longitude.")
            .ProducesProblems(400, 413, 415).ProducesAuthProblems();
        map.MapGet("/jobs/{id:guid}", GetJob).RequireAuthorization(MapAdmins).ProducesProblems(404).ProducesAuthProblems();

        // Cuts
        map.MapGet("/cuts", ListCuts).RequireAuthorization(Policies.SignedIn).ProducesProblems(400).ProducesAuthProblems();
        map.MapPost("/cuts", CreateCut).RequireAuthorization(MapAdmins).ProducesProblems(400).ProducesAuthProblems();
        map.MapGet("/cuts/{id:guid}", GetCut).RequireAuthorization(MapAdmins).ProducesProblems(404).ProducesAuthProblems();
        map.MapPatch("/cuts/{id:guid}", UpdateCut).RequireAuthorization(MapAdmins).ProducesProblems(400, 404, 409).ProducesAuthProblems();
        map.MapDelete("/cuts/{id:guid}", DeleteCut).RequireAuthorization(MapAdmins).ProducesProblems(404).ProducesAuthProblems();
        map.MapGet("/cuts/{id:guid}/locations", CutLocations).RequireAuthorization(Policies.SignedIn).ProducesProblems(400, 404).ProducesAuthProblems();
        map.MapGet("/cuts/{id:guid}/walk-sheet", WalkSheetPage).RequireAuthorization(MapAdmins)
            .Produces<string>(StatusCodes.Status200OK, "text/html").ProducesProblems(404).ProducesAuthProblems();
        map.MapGet("/cuts/{id:guid}/export", ExportCut).RequireAuthorization(MapAdmins)
            .Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesProblems(404, 409).ProducesAuthProblems();

        // Settings
        map.MapGet("/settings", GetSettings).RequireAuthorization(Policies.SignedIn).ProducesAuthProblems();
        map.MapPut("/settings", PutSettings).RequireAuthorization(MapAdmins).ProducesProblems(400).ProducesAuthProblems();
        return app;
    }

    private static IMapQueryGrain Query(IClusterClient client) => client.GetGrain<IMapQueryGrain>(0);

    // ---------------------------------------------------------------- locations

    private static async Task<Ok<Page<Location>>> ListLocations(HttpRequest request, IClusterClient client)
    {
        var validation = new Validation();
        var bbox = MapQuery.Bbox(request.Query["bbox"], validation);
        var cutId = QueryGuid.Parse(validation, "cutId", request.Query["cutId"]);
        var postal = request.Query["postalCode"].ToString();
        if (postal.Length > 0 && PostalCode.NormalizePrefix(postal) is null)
            validation.Add("postalCode", "must be a Canadian postal code or its beginning (e.g. T5K).");
        var search = request.Query["search"].ToString();
        validation.MaxLength("search", search, 200);
        validation.ThrowIfInvalid();
        var page = Paging.From(request);
        var filter = new LocationFilter(bbox, cutId, postal.Length > 0 ? postal : null, search.Trim().Length > 0 ? search.Trim() : null);
        return TypedResults.Ok(await Query(client).ListLocations(filter, page));
    }

    private static async Task<Ok<Location>> GetLocation(Guid id, IClusterClient client) =>
        await Query(client).GetLocation(id) is { } location ? TypedResults.Ok(location) : throw DomainException.NotFound("Location");

    private static LocationInput ReadLocation(LocationRequest r, bool creating)
    {
        var body = new JsonFields();
        var input = new LocationInput(
            JsonFields.Present(("latitude", r.Latitude), ("longitude", r.Longitude), ("address", r.Address), ("postalCode", r.PostalCode),
                ("province", r.Province), ("federalDistrict", r.FederalDistrict), ("buildingUse", r.BuildingUse), ("buildingType", r.BuildingType),
                ("totalUnits", r.TotalUnits), ("buildingNotes", r.BuildingNotes)),
            body.Number("latitude", r.Latitude, -90, 90),
            body.Number("longitude", r.Longitude, -180, 180),
            body.String("address", r.Address, 500),
            body.PostalCode("postalCode", r.PostalCode),
            body.String("province", r.Province, 100),
            body.String("federalDistrict", r.FederalDistrict, 200),
            body.Integer("buildingUse", r.BuildingUse, 1, 4),
            body.Enum<BuildingType>("buildingType", r.BuildingType),
            body.Integer("totalUnits", r.TotalUnits, 0, 100_000),
            body.String("buildingNotes", r.BuildingNotes, 5000),
            creating ? body.Enum<GeocodeProvider>("provider", r.Provider) : null);
        if (creating && input.Latitude is null && input.Longitude is null && string.IsNullOrWhiteSpace(input.Address))
            body.Validation.Add("latitude", "latitude and longitude, or an address to geocode, are required.");
        if (creating && (input.Latitude is null) != (input.Longitude is null) && body.Validation.IsValid)
            body.Validation.Add(input.Latitude is null ? "latitude" : "longitude", "latitude and longitude go together.");
        body.Validation.ThrowIfInvalid();
        return input;
    }

    private static async Task<Created<Location>> CreateLocation(Body<LocationRequest> body, HttpContext context, IClusterClient client)
    {
        var input = ReadLocation(body.Value, creating: true);
        var location = await client.GetGrain<ILocationGrain>(Ids.New()).Create(input, AuthEndpoints.CurrentUser(context));
        return TypedResults.Created($"/api/map/locations/{location.Id}", location);
    }

    private static async Task<Ok<Location>> UpdateLocation(Guid id, Body<LocationRequest> body, HttpContext context, IClusterClient client)
    {
        var input = ReadLocation(body.Value, creating: false);
        return TypedResults.Ok(await client.GetGrain<ILocationGrain>(id).Update(input, AuthEndpoints.CurrentUser(context)));
    }

    private static async Task<NoContent> DeleteLocation(Guid id, HttpContext context, IClusterClient client)
    {
        await client.GetGrain<ILocationGrain>(id).Delete(AuthEndpoints.CurrentUser(context));
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Page<LocationHistoryResponse>>> ListHistory(Guid id, HttpRequest request, IClusterClient client)
    {
        var page = await Query(client).ListHistory(id, Paging.From(request));
        return TypedResults.Ok(new Page<LocationHistoryResponse>(page.Items.Select(h => new LocationHistoryResponse(
            h.Id, h.LocationId, h.UserId, h.Action, h.Field, h.OldValue, h.NewValue, Json(h.MetadataJson), h.CreatedAt)).ToList(),
            page.Total, page.PageNumber, page.PageSize));
    }

    private static async Task<Ok<Location>> GeocodeLocation(Guid id, Body<GeocodeLocationRequest>? body, HttpContext context, IClusterClient client) =>
        TypedResults.Ok(await client.GetGrain<ILocationGrain>(id).Geocode(body?.Value.Provider, AuthEndpoints.CurrentUser(context)));

    // ---------------------------------------------------------------- addresses

    private static async Task<Ok<IReadOnlyList<Address>>> ListAddresses(Guid id, IClusterClient client) => TypedResults.Ok(await Query(client).ListAddresses(id));

    private static AddressInput ReadAddress(AddressRequest r)
    {
        var body = new JsonFields();
        var input = new AddressInput(
            JsonFields.Present(("unitNumber", r.UnitNumber), ("firstName", r.FirstName), ("lastName", r.LastName), ("email", r.Email),
                ("phone", r.Phone), ("supportLevel", r.SupportLevel), ("sign", r.Sign), ("signSize", r.SignSize), ("notes", r.Notes)),
            body.String("unitNumber", r.UnitNumber, 50),
            body.String("firstName", r.FirstName, 200),
            body.String("lastName", r.LastName, 200),
            body.String("email", r.Email, 254),
            body.String("phone", r.Phone, 50),
            body.Enum<SupportLevel>("supportLevel", r.SupportLevel),
            body.Boolean("sign", r.Sign),
            body.String("signSize", r.SignSize, 50),
            body.String("notes", r.Notes, 5000));
        if (!string.IsNullOrWhiteSpace(input.Email) && !Validation.IsEmail(input.Email.Trim()))
            body.Validation.Add("email", "must be a valid email address.");
        body.Validation.ThrowIfInvalid();
        return input;
    }

    private static async Task<Created<Address>> CreateAddress(Guid id, Body<AddressRequest> body, HttpContext context, IClusterClient client)
    {
        var input = ReadAddress(body.Value);
        var address = await client.GetGrain<ILocationGrain>(id).AddAddress(input, AuthEndpoints.CurrentUser(context));
        return TypedResults.Created($"/api/map/addresses/{address.Id}", address);
    }

    private static async Task<Ok<Address>> UpdateAddress(Guid id, Body<AddressRequest> body, HttpContext context, IClusterClient client)
    {
        var input = ReadAddress(body.Value);
        var locationId = await Query(client).FindAddressLocation(id) ?? throw DomainException.NotFound("Address");
        return TypedResults.Ok(await client.GetGrain<ILocationGrain>(locationId).UpdateAddress(id, input, AuthEndpoints.CurrentUser(context)));
    }

    private static async Task<NoContent> DeleteAddress(Guid id, HttpContext context, IClusterClient client)
    {
        var locationId = await Query(client).FindAddressLocation(id) ?? throw DomainException.NotFound("Address");
        await client.GetGrain<ILocationGrain>(locationId).DeleteAddress(id, AuthEndpoints.CurrentUser(context));
        return TypedResults.NoContent();
    }

    // ---------------------------------------------------------------- jobs

    private static async Task<Accepted<JobAcceptedResponse>> BulkGeocode(Body<StartBulkGeocodeRequest> request, HttpContext context, IClusterClient client)
    {
        var body = request.Value;
        var validation = new Validation();
        var ids = body.LocationIds;
        if (ids is { Length: 0 }) validation.Add("locationIds", "must not be empty (leave it out to geocode every location).");
        else if (ids?.Length > 100_000) validation.Add("locationIds", "must hold at most 100000 ids.");
        validation.ThrowIfInvalid();
        var jobId = Ids.New();
        await client.GetGrain<IMapJobGrain>(jobId).StartBulkGeocode(new BulkGeocodeRequest(ids, body.OnlyMissing ?? ids is null, body.Provider),
            AuthEndpoints.CurrentUser(context));
        return TypedResults.Accepted($"/api/map/jobs/{jobId}", new JobAcceptedResponse(jobId));
    }

    private static async Task<Accepted<JobAcceptedResponse>> ImportNar(HttpContext context, IClusterClient client, MapFrontendOptions options)
    {
        // Options may come in the query string (checked before any byte is stored) or as form fields.
        var queryOptions = NarOptions(context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        var jobId = await MapUploads.RunAsync(context, client, MapJobTypes.NarImport, AuthEndpoints.CurrentUser(context), async job =>
        {
            var upload = await MapUploads.ReceiveAsync(context, job, NarFileKind, options.MaxImportBytes);
            var fields = new Dictionary<string, string>(context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()), StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in upload.Fields) fields[key] = value;
            var validation = new Validation();
            if (!upload.Files.Any(f => f.Kind == ImportFileKind.NarAddress)) validation.Add("addresses", "the register's address file is required.");
            if (!upload.Files.Any(f => f.Kind == ImportFileKind.NarLocation)) validation.Add("locations", "the register's location file is required.");
            validation.ThrowIfInvalid();
            await job.StartNarImport(upload.Fields.Count == 0 ? queryOptions : NarOptions(fields));
        });
        return TypedResults.Accepted($"/api/map/jobs/{jobId}", new JobAcceptedResponse(jobId));
    }

    /// <summary>Field names of the two NAR files; when a client names its parts otherwise, the register's file names decide.</summary>
    private static ImportFileKind? NarFileKind(string field, string? fileName)
    {
        var name = field.ToLowerInvariant();
        if (name is "addresses" or "address" or "addressfile" or "address_file") return ImportFileKind.NarAddress;
        if (name is "locations" or "location" or "locationfile" or "location_file") return ImportFileKind.NarLocation;
        var file = Path.GetFileName(fileName ?? "").ToLowerInvariant();
        if (file.StartsWith("address", StringComparison.Ordinal)) return ImportFileKind.NarAddress;
        if (file.StartsWith("location", StringComparison.Ordinal)) return ImportFileKind.NarLocation;
        return null;
    }

    private static NarImportOptions NarOptions(IReadOnlyDictionary<string, string> values)
    {
        var validation = new Validation();
        string? Value(params string[] names) => names.Select(n => values.TryGetValue(n, out var v) ? v : null).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

        var residentialOnly = true;
        if (Value("residentialOnly") is { } residential && !bool.TryParse(residential, out residentialOnly))
            validation.Add("residentialOnly", "must be true or false.");
        List<string>? provinces = null;
        if (Value("province", "provinces") is { } provinceList)
        {
            provinces = [];
            foreach (var item in provinceList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (NarProvinces.ToCode(item) is { } code) provinces.Add(code);
                else validation.Add("province", $"'{item}' is not a province code (35) or abbreviation (ON).");
            }
        }
        List<string>? prefixes = null;
        if (Value("postalCode", "postalCodes", "postalCodePrefix") is { } postalList)
        {
            prefixes = [];
            foreach (var item in postalList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (PostalCode.NormalizePrefix(item) is { } prefix) prefixes.Add(prefix);
                else validation.Add("postalCode", $"'{item}' is not a postal code or the beginning of one (e.g. T5K).");
            }
        }
        var bbox = MapQuery.Bbox(Value("bbox"), validation);
        validation.ThrowIfInvalid();
        return new NarImportOptions(residentialOnly, provinces, prefixes, bbox);
    }

    private static async Task<Accepted<JobAcceptedResponse>> ImportCsv(HttpContext context, IClusterClient client, MapFrontendOptions options)
    {
        var jobId = await MapUploads.RunAsync(context, client, MapJobTypes.CsvImport, AuthEndpoints.CurrentUser(context), async job =>
        {
            var upload = await MapUploads.ReceiveAsync(context, job, (_, _) => ImportFileKind.Csv, options.MaxImportBytes);
            if (upload.Files.Count == 0) throw new RequestValidationException("file", "a CSV file is required.");
            await job.StartCsvImport();
        });
        return TypedResults.Accepted($"/api/map/jobs/{jobId}", new JobAcceptedResponse(jobId));
    }

    private static async Task<Ok<JobResponse>> GetJob(Guid id, IClusterClient client)
    {
        var job = await Query(client).GetJob(id) ?? throw DomainException.NotFound("Job");
        return TypedResults.Ok(new JobResponse(job.Id, job.Type, job.Status, job.Processed, job.Total, job.Progress, job.Errors,
            Json(job.ResultJson), job.Error, job.CreatedByUserId, job.CreatedAt, job.StartedAt, job.CompletedAt));
    }

    // ---------------------------------------------------------------- cuts

    private static CutResponse CutBody(Cut cut) => new(
        cut.Id, cut.Name, cut.Description, cut.Color, cut.Opacity, cut.Category, cut.IsPublic, cut.IsOfficial, Json(cut.GeoJson),
        new CutBoundsResponse(cut.Bounds.MinLat, cut.Bounds.MinLng, cut.Bounds.MaxLat, cut.Bounds.MaxLng),
        cut.ShowLocations, cut.ExportEnabled, cut.AssignedTo, Json(cut.FilterSettingsJson), cut.LastCanvassed,
        cut.CompletionPercentage, cut.CreatedByUserId, cut.CreatedAt, cut.UpdatedAt);

    private static async Task<Ok<Page<CutResponse>>> ListCuts(HttpContext context, IClusterClient client)
    {
        var admin = AccessRules.CanAdminister(context.User, AdminApp.Map);
        var page = await Query(client).ListCuts(includePrivate: admin, Paging.From(context.Request));
        return TypedResults.Ok(new Page<CutResponse>(page.Items.Select(CutBody).ToList(), page.Total, page.PageNumber, page.PageSize));
    }

    private static async Task<Ok<CutResponse>> GetCut(Guid id, IClusterClient client) =>
        TypedResults.Ok(CutBody(await Query(client).GetCut(id) ?? throw DomainException.NotFound("Cut")));

    private static CutInput ReadCut(CutRequest r, bool creating)
    {
        var body = new JsonFields();
        var input = new CutInput(
            JsonFields.Present(("name", r.Name), ("description", r.Description), ("color", r.Color), ("opacity", r.Opacity), ("category", r.Category),
                ("isPublic", r.IsPublic), ("isOfficial", r.IsOfficial), ("geojson", r.Geojson), ("showLocations", r.ShowLocations),
                ("exportEnabled", r.ExportEnabled), ("assignedTo", r.AssignedTo), ("filterSettings", r.FilterSettings)),
            body.String("name", r.Name, 200),
            body.String("description", r.Description, 5000),
            body.String("color", r.Color, 20),
            body.Number("opacity", r.Opacity, 0, 1),
            body.Enum<CutCategory>("category", r.Category),
            body.Boolean("isPublic", r.IsPublic),
            body.Boolean("isOfficial", r.IsOfficial),
            JsonFields.Raw(r.Geojson),
            body.Boolean("showLocations", r.ShowLocations),
            body.Boolean("exportEnabled", r.ExportEnabled),
            body.String("assignedTo", r.AssignedTo, 200),
            JsonFields.Raw(r.FilterSettings));
        if (creating)
        {
            body.Validation.Required("name", input.Name, 200);
            if (input.GeoJson is null) body.Validation.Add("geojson", "is required: a GeoJSON Polygon or MultiPolygon.");
        }
        body.Validation.ThrowIfInvalid();
        return input;
    }

    private static async Task<Created<CutResponse>> CreateCut(Body<CutRequest> body, HttpContext context, IClusterClient client)
    {
        var input = ReadCut(body.Value, creating: true);
        var cut = await client.GetGrain<ICutGrain>(Ids.New()).Create(input, AuthEndpoints.CurrentUser(context));
        return TypedResults.Created($"/api/map/cuts/{cut.Id}", CutBody(cut));
    }

    private static async Task<Ok<CutResponse>> UpdateCut(Guid id, Body<CutRequest> body, HttpContext context, IClusterClient client)
    {
        var input = ReadCut(body.Value, creating: false);
        if (await Query(client).GetCut(id) is null) throw DomainException.NotFound("Cut");
        return TypedResults.Ok(CutBody(await client.GetGrain<ICutGrain>(id).Update(input, AuthEndpoints.CurrentUser(context))));
    }

    private static async Task<NoContent> DeleteCut(Guid id, IClusterClient client)
    {
        await client.GetGrain<ICutGrain>(id).Delete();
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Page<Location>>> CutLocations(Guid id, HttpContext context, IClusterClient client)
    {
        var cut = await Query(client).GetCut(id);
        // Canvassers see the public cuts only; a private cut is "not found" to them, as anything one may not see is.
        if (cut is null || (!cut.IsPublic && !AccessRules.CanAdminister(context.User, AdminApp.Map))) throw DomainException.NotFound("Cut");
        return TypedResults.Ok(await Query(client).LocationsInCut(id, Paging.From(context.Request)));
    }

    private static async Task<ContentHttpResult> WalkSheetPage(Guid id, IClusterClient client, MapFrontendOptions options, TimeProvider time)
    {
        var cut = await Query(client).GetCut(id) ?? throw DomainException.NotFound("Cut");
        var settings = await client.GetGrain<IMapSettingsGrain>(0).Get();
        var rows = await Query(client).AddressesInCut(id, options.MaxWalkSheetDoors);
        return TypedResults.Content(WalkSheet.Render(cut, settings, rows, time.GetUtcNow().UtcDateTime), "text/html; charset=utf-8");
    }

    private static readonly string[] ExportColumns =
    [
        "location_id", "address_id", "address", "unit", "postal_code", "province", "latitude", "longitude", "building_type",
        "first_name", "last_name", "email", "phone", "support_level", "sign", "notes",
    ];

    private static async Task ExportCut(Guid id, HttpContext context, IClusterClient client)
    {
        var cut = await Query(client).GetCut(id) ?? throw DomainException.NotFound("Cut");
        if (!cut.ExportEnabled)
            throw DomainException.Conflict("Export is disabled for this cut (exportEnabled is false).",
                new Dictionary<string, string> { ["reason"] = "export_disabled" });
        var response = context.Response;
        response.ContentType = "text/csv; charset=utf-8";
        var safeName = new string(cut.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        response.Headers.ContentDisposition = $"attachment; filename=\"cut-{(safeName.Length == 0 ? cut.Id.ToString() : safeName)}.csv\"";
        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), 64 * 1024);
        await writer.WriteAsync(string.Join(',', ExportColumns) + "\r\n");
        await foreach (var row in client.GetGrain<ICutExportGrain>(Guid.NewGuid()).StreamAddresses(id).WithCancellation(context.RequestAborted))
        {
            var fields = new[]
            {
                row.LocationId.ToString(), row.AddressId?.ToString(), Text(row.Address), Text(row.UnitNumber), row.PostalCode, Text(row.Province),
                row.Latitude.ToString("0.########", CultureInfo.InvariantCulture), row.Longitude.ToString("0.########", CultureInfo.InvariantCulture),
                row.BuildingType is { } type ? EnumWireNames.ToWireName(type) : null, Text(row.FirstName), Text(row.LastName), Text(row.Email),
                Text(row.Phone), row.SupportLevel is { } level ? EnumWireNames.ToWireName(level) : null, row.AddressId is null ? null : row.Sign ? "true" : "false",
                Text(row.Notes),
            };
            await writer.WriteAsync(string.Join(',', fields.Select(Csv)) + "\r\n");
        }
    }

    /// <summary>Text typed by people is opened in spreadsheets: a leading = + - @ would run as a formula there.</summary>
    private static string? Text(string? value) =>
        value is { Length: > 0 } && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    private static string Csv(string? value)
    {
        if (value is null) return "";
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    // ---------------------------------------------------------------- settings

    private static async Task<Ok<MapSettings>> GetSettings(IClusterClient client) => TypedResults.Ok(await client.GetGrain<IMapSettingsGrain>(0).Get());

    private static async Task<Ok<MapSettings>> PutSettings(Body<MapSettingsRequest> request, HttpContext context, IClusterClient client)
    {
        var body = request.Value;
        var validation = new Validation();
        validation.Range("latitude", body.Latitude, -90, 90);
        validation.Range("longitude", body.Longitude, -180, 180);
        validation.Range("zoom", body.Zoom, 0, 22);
        validation.MaxLength("walkSheetTitle", body.WalkSheetTitle, 500);
        validation.MaxLength("walkSheetSubtitle", body.WalkSheetSubtitle, 500);
        validation.MaxLength("walkSheetFooter", body.WalkSheetFooter, 5000);
        foreach (var (field, url, label) in new[] { ("qrCode1", body.QrCode1Url, body.QrCode1Label), ("qrCode2", body.QrCode2Url, body.QrCode2Label),
                     ("qrCode3", body.QrCode3Url, body.QrCode3Label) })
        {
            validation.MaxLength($"{field}Url", url, 2000);
            validation.MaxLength($"{field}Label", label, 200);
            if (!string.IsNullOrWhiteSpace(url) && (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                validation.Add($"{field}Url", "must be an http or https URL.");
        }
        validation.ThrowIfInvalid();
        var current = await client.GetGrain<IMapSettingsGrain>(0).Get();
        // PUT replaces the walk-sheet texts; an omitted map position keeps the current one (it always has a value).
        var settings = new MapSettings(body.Latitude ?? current.Latitude, body.Longitude ?? current.Longitude, body.Zoom ?? current.Zoom,
            body.WalkSheetTitle, body.WalkSheetSubtitle, body.WalkSheetFooter, body.QrCode1Url, body.QrCode1Label,
            body.QrCode2Url, body.QrCode2Label, body.QrCode3Url, body.QrCode3Label, null);
        return TypedResults.Ok(await client.GetGrain<IMapSettingsGrain>(0).Update(settings, AuthEndpoints.CurrentUser(context)));
    }

    private static JsonElement? Json(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<JsonElement>(json);
}
