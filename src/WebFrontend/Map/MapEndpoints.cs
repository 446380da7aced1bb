using System.Globalization;
using System.Text;
using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.WebFrontend.Auth;
using ChangemakerLite.WebFrontend.Map;
using ChangemakerLite.WebFrontend.Platform;

// In the frontend's root namespace so that FrontendApp maps the module with one line and no extra using.
namespace ChangemakerLite.WebFrontend;

/// <summary>The map module's HTTP API (API.md "Map"): locations and units, geocoding, imports, jobs, cuts, walk sheets, settings.</summary>
public static class MapEndpoints
{
    private static readonly string MapAdmins = Policies.Administer(AdminApp.Map);

    private static readonly string[] LocationFields =
        ["latitude", "longitude", "address", "postalCode", "province", "federalDistrict", "buildingUse", "buildingType", "totalUnits", "buildingNotes"];

    private static readonly string[] AddressFields =
        ["unitNumber", "firstName", "lastName", "email", "phone", "supportLevel", "sign", "signSize", "notes"];

    private static readonly string[] CutFields =
        ["name", "description", "color", "opacity", "category", "isPublic", "isOfficial", "geojson", "showLocations", "exportEnabled", "assignedTo", "filterSettings"];

    public static IEndpointRouteBuilder MapMapEndpoints(this IEndpointRouteBuilder app)
    {
        var map = app.MapGroup("/api/map").WithTags("Map");

        // Locations (buildings)
        map.MapGet("/locations", ListLocations).RequireAuthorization(MapAdmins);
        map.MapPost("/locations", CreateLocation).RequireAuthorization(MapAdmins);
        map.MapGet("/locations/{id:guid}", GetLocation).RequireAuthorization(MapAdmins);
        map.MapMethods("/locations/{id:guid}", ["PATCH"], UpdateLocation).RequireAuthorization(MapAdmins);
        map.MapDelete("/locations/{id:guid}", DeleteLocation).RequireAuthorization(MapAdmins);
        map.MapGet("/locations/{id:guid}/history", ListHistory).RequireAuthorization(MapAdmins);
        map.MapPost("/locations/{id:guid}/geocode", GeocodeLocation).RequireAuthorization(MapAdmins);

        // Addresses (units)
        map.MapGet("/locations/{id:guid}/addresses", ListAddresses).RequireAuthorization(MapAdmins);
        map.MapPost("/locations/{id:guid}/addresses", CreateAddress).RequireAuthorization(MapAdmins);
        map.MapMethods("/addresses/{id:guid}", ["PATCH"], UpdateAddress).RequireAuthorization(MapAdmins);
        map.MapDelete("/addresses/{id:guid}", DeleteAddress).RequireAuthorization(MapAdmins);

        // Jobs: bulk geocoding and imports
        map.MapPost("/geocode/bulk", BulkGeocode).RequireAuthorization(MapAdmins);
        map.MapPost("/imports/nar", ImportNar).RequireAuthorization(MapAdmins).DisableAntiforgery();
        map.MapPost("/imports/csv", ImportCsv).RequireAuthorization(MapAdmins).DisableAntiforgery();
        map.MapGet("/jobs/{id:guid}", GetJob).RequireAuthorization(MapAdmins);

        // Cuts
        map.MapGet("/cuts", ListCuts).RequireAuthorization(Policies.SignedIn);
        map.MapPost("/cuts", CreateCut).RequireAuthorization(MapAdmins);
        map.MapGet("/cuts/{id:guid}", GetCut).RequireAuthorization(MapAdmins);
        map.MapMethods("/cuts/{id:guid}", ["PATCH"], UpdateCut).RequireAuthorization(MapAdmins);
        map.MapDelete("/cuts/{id:guid}", DeleteCut).RequireAuthorization(MapAdmins);
        map.MapGet("/cuts/{id:guid}/locations", CutLocations).RequireAuthorization(Policies.SignedIn);
        map.MapGet("/cuts/{id:guid}/walk-sheet", WalkSheetPage).RequireAuthorization(MapAdmins);
        map.MapGet("/cuts/{id:guid}/export", ExportCut).RequireAuthorization(MapAdmins);

        // Settings
        map.MapGet("/settings", GetSettings).RequireAuthorization(Policies.SignedIn);
        map.MapPut("/settings", PutSettings).RequireAuthorization(MapAdmins);
        return app;
    }

    private static Guid? UserId(HttpContext context) => AccessRules.UserIdOf(context.User);
    private static IMapQueryGrain Query(IClusterClient client) => client.GetGrain<IMapQueryGrain>(0);

    // ---------------------------------------------------------------- locations

    private static async Task<IResult> ListLocations(HttpRequest request, IClusterClient client)
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
        return Results.Ok(await Query(client).ListLocations(filter, page));
    }

    private static async Task<IResult> GetLocation(Guid id, IClusterClient client) =>
        await Query(client).GetLocation(id) is { } location ? Results.Ok(location) : throw DomainException.NotFound("Location");

    private static LocationInput ReadLocation(JsonFields body, bool creating)
    {
        var input = new LocationInput(
            body.Present(LocationFields),
            body.Number("latitude", -90, 90),
            body.Number("longitude", -180, 180),
            body.String("address", 500),
            body.PostalCodeField("postalCode"),
            body.String("province", 100),
            body.String("federalDistrict", 200),
            body.Integer("buildingUse", 1, 4),
            body.Enum<BuildingType>("buildingType"),
            body.Integer("totalUnits", 0, 100_000),
            body.String("buildingNotes", 5000),
            creating ? body.Enum<GeocodeProvider>("provider") : null);
        if (creating && input.Latitude is null && input.Longitude is null && string.IsNullOrWhiteSpace(input.Address))
            body.Validation.Add("latitude", "latitude and longitude, or an address to geocode, are required.");
        if (creating && (input.Latitude is null) != (input.Longitude is null) && body.Validation.IsValid)
            body.Validation.Add(input.Latitude is null ? "latitude" : "longitude", "latitude and longitude go together.");
        body.Validation.ThrowIfInvalid();
        return input;
    }

    private static async Task<IResult> CreateLocation(HttpContext context, IClusterClient client)
    {
        var input = ReadLocation(await JsonFields.ReadAsync(context.Request), creating: true);
        var location = await client.GetGrain<ILocationGrain>(Ids.New()).Create(input, UserId(context));
        return Results.Created($"/api/map/locations/{location.Id}", location);
    }

    private static async Task<IResult> UpdateLocation(Guid id, HttpContext context, IClusterClient client)
    {
        var input = ReadLocation(await JsonFields.ReadAsync(context.Request), creating: false);
        return Results.Ok(await client.GetGrain<ILocationGrain>(id).Update(input, UserId(context)));
    }

    private static async Task<IResult> DeleteLocation(Guid id, HttpContext context, IClusterClient client)
    {
        await client.GetGrain<ILocationGrain>(id).Delete(UserId(context));
        return Results.NoContent();
    }

    private static async Task<IResult> ListHistory(Guid id, HttpRequest request, IClusterClient client)
    {
        var page = await Query(client).ListHistory(id, Paging.From(request));
        return Results.Ok(new Page<object>(page.Items.Select(h => (object)new
        {
            h.Id, h.LocationId, h.UserId, h.Action, h.Field, h.OldValue, h.NewValue,
            Metadata = Json(h.MetadataJson), h.CreatedAt,
        }).ToList(), page.Total, page.PageNumber, page.PageSize));
    }

    private static async Task<IResult> GeocodeLocation(Guid id, HttpContext context, IClusterClient client)
    {
        GeocodeProvider? provider = null;
        if (context.Request.ContentLength is not 0 && context.Request.HasJsonContentType())
        {
            var body = await JsonFields.ReadAsync(context.Request);
            provider = body.Enum<GeocodeProvider>("provider");
            body.Validation.ThrowIfInvalid();
        }
        return Results.Ok(await client.GetGrain<ILocationGrain>(id).Geocode(provider, UserId(context)));
    }

    // ---------------------------------------------------------------- addresses

    private static async Task<IResult> ListAddresses(Guid id, IClusterClient client) => Results.Ok(await Query(client).ListAddresses(id));

    private static AddressInput ReadAddress(JsonFields body)
    {
        var input = new AddressInput(
            body.Present(AddressFields),
            body.String("unitNumber", 50),
            body.String("firstName", 200),
            body.String("lastName", 200),
            body.String("email", 254),
            body.String("phone", 50),
            body.Enum<SupportLevel>("supportLevel"),
            body.Boolean("sign"),
            body.String("signSize", 50),
            body.String("notes", 5000));
        if (!string.IsNullOrWhiteSpace(input.Email) && !Validation.IsEmail(input.Email.Trim()))
            body.Validation.Add("email", "must be a valid email address.");
        body.Validation.ThrowIfInvalid();
        return input;
    }

    private static async Task<IResult> CreateAddress(Guid id, HttpContext context, IClusterClient client)
    {
        var input = ReadAddress(await JsonFields.ReadAsync(context.Request));
        var address = await client.GetGrain<ILocationGrain>(id).AddAddress(input, UserId(context));
        return Results.Created($"/api/map/addresses/{address.Id}", address);
    }

    private static async Task<IResult> UpdateAddress(Guid id, HttpContext context, IClusterClient client)
    {
        var input = ReadAddress(await JsonFields.ReadAsync(context.Request));
        var locationId = await Query(client).FindAddressLocation(id) ?? throw DomainException.NotFound("Address");
        return Results.Ok(await client.GetGrain<ILocationGrain>(locationId).UpdateAddress(id, input, UserId(context)));
    }

    private static async Task<IResult> DeleteAddress(Guid id, HttpContext context, IClusterClient client)
    {
        var locationId = await Query(client).FindAddressLocation(id) ?? throw DomainException.NotFound("Address");
        await client.GetGrain<ILocationGrain>(locationId).DeleteAddress(id, UserId(context));
        return Results.NoContent();
    }

    // ---------------------------------------------------------------- jobs

    private static async Task<IResult> BulkGeocode(HttpContext context, IClusterClient client)
    {
        var body = await JsonFields.ReadAsync(context.Request);
        var ids = body.Ids("locationIds", 100_000);
        var onlyMissing = body.Boolean("onlyMissing") ?? ids is null;
        var provider = body.Enum<GeocodeProvider>("provider");
        if (ids is { Length: 0 }) body.Validation.Add("locationIds", "must not be empty (leave it out to geocode every location).");
        body.Validation.ThrowIfInvalid();
        var jobId = Ids.New();
        await client.GetGrain<IMapJobGrain>(jobId).StartBulkGeocode(new BulkGeocodeRequest(ids, onlyMissing, provider), UserId(context));
        return Results.Accepted($"/api/map/jobs/{jobId}", new { jobId });
    }

    private static async Task<IResult> ImportNar(HttpContext context, IClusterClient client, MapFrontendOptions options)
    {
        // Options may come in the query string (checked before any byte is stored) or as form fields.
        var queryOptions = NarOptions(context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        var jobId = await MapUploads.RunAsync(context, client, MapJobTypes.NarImport, UserId(context), async job =>
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
        return Results.Accepted($"/api/map/jobs/{jobId}", new { jobId });
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

    private static async Task<IResult> ImportCsv(HttpContext context, IClusterClient client, MapFrontendOptions options)
    {
        var jobId = await MapUploads.RunAsync(context, client, MapJobTypes.CsvImport, UserId(context), async job =>
        {
            var upload = await MapUploads.ReceiveAsync(context, job, (_, _) => ImportFileKind.Csv, options.MaxImportBytes);
            if (upload.Files.Count == 0) throw new RequestValidationException("file", "a CSV file is required.");
            await job.StartCsvImport();
        });
        return Results.Accepted($"/api/map/jobs/{jobId}", new { jobId });
    }

    private static async Task<IResult> GetJob(Guid id, IClusterClient client)
    {
        var job = await Query(client).GetJob(id) ?? throw DomainException.NotFound("Job");
        return Results.Ok(new
        {
            job.Id, job.Type, job.Status, job.Processed, job.Total, job.Progress, job.Errors,
            Result = Json(job.ResultJson), job.Error, job.CreatedByUserId, job.CreatedAt, job.StartedAt, job.CompletedAt,
        });
    }

    // ---------------------------------------------------------------- cuts

    private static object CutBody(Cut cut) => new
    {
        cut.Id, cut.Name, cut.Description, cut.Color, cut.Opacity, cut.Category, cut.IsPublic, cut.IsOfficial,
        Geojson = Json(cut.GeoJson),
        Bounds = new { minLat = cut.Bounds.MinLat, minLng = cut.Bounds.MinLng, maxLat = cut.Bounds.MaxLat, maxLng = cut.Bounds.MaxLng },
        cut.ShowLocations, cut.ExportEnabled, cut.AssignedTo, FilterSettings = Json(cut.FilterSettingsJson), cut.LastCanvassed,
        cut.CompletionPercentage, cut.CreatedByUserId, cut.CreatedAt, cut.UpdatedAt,
    };

    private static async Task<IResult> ListCuts(HttpContext context, IClusterClient client)
    {
        var admin = AccessRules.CanAdminister(context.User, AdminApp.Map);
        var page = await Query(client).ListCuts(includePrivate: admin, Paging.From(context.Request));
        return Results.Ok(new Page<object>(page.Items.Select(CutBody).ToList(), page.Total, page.PageNumber, page.PageSize));
    }

    private static async Task<IResult> GetCut(Guid id, IClusterClient client) =>
        Results.Ok(CutBody(await Query(client).GetCut(id) ?? throw DomainException.NotFound("Cut")));

    private static CutInput ReadCut(JsonFields body, bool creating)
    {
        var input = new CutInput(
            body.Present(CutFields),
            body.String("name", 200),
            body.String("description", 5000),
            body.String("color", 20),
            body.Number("opacity", 0, 1),
            body.Enum<CutCategory>("category"),
            body.Boolean("isPublic"),
            body.Boolean("isOfficial"),
            body.Raw("geojson"),
            body.Boolean("showLocations"),
            body.Boolean("exportEnabled"),
            body.String("assignedTo", 200),
            body.Raw("filterSettings"));
        if (creating)
        {
            body.Validation.Required("name", input.Name, 200);
            if (input.GeoJson is null) body.Validation.Add("geojson", "is required: a GeoJSON Polygon or MultiPolygon.");
        }
        body.Validation.ThrowIfInvalid();
        return input;
    }

    private static async Task<IResult> CreateCut(HttpContext context, IClusterClient client)
    {
        var input = ReadCut(await JsonFields.ReadAsync(context.Request), creating: true);
        var cut = await client.GetGrain<ICutGrain>(Ids.New()).Create(input, UserId(context));
        return Results.Created($"/api/map/cuts/{cut.Id}", CutBody(cut));
    }

    private static async Task<IResult> UpdateCut(Guid id, HttpContext context, IClusterClient client)
    {
        var input = ReadCut(await JsonFields.ReadAsync(context.Request), creating: false);
        if (await Query(client).GetCut(id) is null) throw DomainException.NotFound("Cut");
        return Results.Ok(CutBody(await client.GetGrain<ICutGrain>(id).Update(input, UserId(context))));
    }

    private static async Task<IResult> DeleteCut(Guid id, IClusterClient client)
    {
        await client.GetGrain<ICutGrain>(id).Delete();
        return Results.NoContent();
    }

    private static async Task<IResult> CutLocations(Guid id, HttpContext context, IClusterClient client)
    {
        var cut = await Query(client).GetCut(id);
        // Canvassers see the public cuts only; a private cut is "not found" to them, as API.md asks for things one may not see.
        if (cut is null || (!cut.IsPublic && !AccessRules.CanAdminister(context.User, AdminApp.Map))) throw DomainException.NotFound("Cut");
        return Results.Ok(await Query(client).LocationsInCut(id, Paging.From(context.Request)));
    }

    private static async Task<IResult> WalkSheetPage(Guid id, IClusterClient client, MapFrontendOptions options, TimeProvider time)
    {
        var cut = await Query(client).GetCut(id) ?? throw DomainException.NotFound("Cut");
        var settings = await client.GetGrain<IMapSettingsGrain>(0).Get();
        var rows = await Query(client).AddressesInCut(id, options.MaxWalkSheetDoors);
        return Results.Content(WalkSheet.Render(cut, settings, rows, time.GetUtcNow().UtcDateTime), "text/html; charset=utf-8");
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

    private static async Task<IResult> GetSettings(IClusterClient client) => Results.Ok(await client.GetGrain<IMapSettingsGrain>(0).Get());

    private static async Task<IResult> PutSettings(HttpContext context, IClusterClient client)
    {
        var body = await JsonFields.ReadAsync(context.Request);
        var current = await client.GetGrain<IMapSettingsGrain>(0).Get();
        // PUT replaces the walk-sheet texts; an omitted map position keeps the current one (it always has a value).
        var settings = new MapSettings(
            body.Number("latitude", -90, 90) ?? current.Latitude,
            body.Number("longitude", -180, 180) ?? current.Longitude,
            body.Integer("zoom", 0, 22) ?? current.Zoom,
            body.String("walkSheetTitle", 500), body.String("walkSheetSubtitle", 500), body.String("walkSheetFooter", 5000),
            body.String("qrCode1Url", 2000), body.String("qrCode1Label", 200),
            body.String("qrCode2Url", 2000), body.String("qrCode2Label", 200),
            body.String("qrCode3Url", 2000), body.String("qrCode3Label", 200),
            null);
        foreach (var field in new[] { "qrCode1Url", "qrCode2Url", "qrCode3Url" })
        {
            var url = body.String(field, 2000);
            if (!string.IsNullOrWhiteSpace(url) && (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                body.Validation.Add(field, "must be an http or https URL.");
        }
        body.Validation.ThrowIfInvalid();
        return Results.Ok(await client.GetGrain<IMapSettingsGrain>(0).Update(settings, UserId(context)));
    }

    private static JsonElement? Json(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<JsonElement>(json);
}
