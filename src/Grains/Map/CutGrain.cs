using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Map;

public sealed class CutGrain(NpgsqlDataSource db) : Grain, ICutGrain
{
    private Guid Id => this.GetPrimaryKey();

    public async Task<Cut> Create(CutInput input, Guid? userId)
    {
        var name = MapRules.Text("name", input.Name, 200) ?? throw DomainException.Invalid("name", "is required.");
        if (input.GeoJson is null) throw DomainException.Invalid("geojson", "is required.");
        var polygon = GeoPolygon.Parse(input.GeoJson);
        var color = input.Color is null ? "#3388ff" : MapRules.Color(input.Color);
        var opacity = Opacity(input.Opacity) ?? 0.3;
        var filter = FilterSettings(input.FilterSettingsJson);
        try
        {
            await db.Command("""
                INSERT INTO cuts (id, name, description, color, opacity, category, is_public, is_official, geojson, bounds,
                    min_lat, min_lng, max_lat, max_lng, show_locations, export_enabled, assigned_to, filter_settings, created_by_user_id)
                VALUES (@id, @name, @description, @color, @opacity, @category, @public, @official, @geojson::jsonb, @bounds::jsonb,
                    @minLat, @minLng, @maxLat, @maxLng, @show, @export, @assigned, @filter::jsonb, (SELECT id FROM users WHERE id = @user))
                """,
                ("id", Id), ("name", name), ("description", MapRules.Text("description", input.Description, MapRules.MaxNotes)),
                ("color", color), ("opacity", (decimal)opacity), ("category", input.Category ?? CutCategory.Custom),
                ("public", input.IsPublic ?? false), ("official", input.IsOfficial ?? false), ("geojson", polygon.Json),
                ("bounds", BoundsJson(polygon.Bounds)), ("minLat", (decimal)polygon.Bounds.MinLat), ("minLng", (decimal)polygon.Bounds.MinLng),
                ("maxLat", (decimal)polygon.Bounds.MaxLat), ("maxLng", (decimal)polygon.Bounds.MaxLng),
                ("show", input.ShowLocations ?? true), ("export", input.ExportEnabled ?? true),
                ("assigned", MapRules.Text("assignedTo", input.AssignedTo, 200)), ("filter", filter), ("user", userId)).ExecuteAsync();
        }
        catch (PostgresException ex) when (ex.IsUniqueViolation("cuts_pkey"))
        {
            throw DomainException.Conflict("A cut with this id already exists.");
        }
        return (await Read())!;
    }

    public async Task<Cut> Update(CutInput input, Guid? userId)
    {
        var sets = new List<string>();
        var parameters = new List<(string, object?)> { ("id", Id) };
        void Set(string column, object? value, string cast = "")
        {
            parameters.Add(($"p{parameters.Count}", value));
            sets.Add($"{column} = @p{parameters.Count - 1}{cast}");
        }
        if (input.Has("name")) Set("name", MapRules.Text("name", input.Name, 200) ?? throw DomainException.Invalid("name", "cannot be empty."));
        if (input.Has("description")) Set("description", MapRules.Text("description", input.Description, MapRules.MaxNotes));
        if (input.Has("color")) Set("color", MapRules.Color(input.Color));
        if (input.Has("opacity")) Set("opacity", (decimal)(Opacity(input.Opacity) ?? throw DomainException.Invalid("opacity", "is required.")));
        if (input.Has("category")) Set("category", input.Category ?? throw DomainException.Invalid("category", "is required."));
        if (input.Has("isPublic")) Set("is_public", input.IsPublic ?? throw DomainException.Invalid("isPublic", "must be true or false."));
        if (input.Has("isOfficial")) Set("is_official", input.IsOfficial ?? throw DomainException.Invalid("isOfficial", "must be true or false."));
        if (input.Has("showLocations")) Set("show_locations", input.ShowLocations ?? throw DomainException.Invalid("showLocations", "must be true or false."));
        if (input.Has("exportEnabled")) Set("export_enabled", input.ExportEnabled ?? throw DomainException.Invalid("exportEnabled", "must be true or false."));
        if (input.Has("assignedTo")) Set("assigned_to", MapRules.Text("assignedTo", input.AssignedTo, 200));
        if (input.Has("filterSettings")) Set("filter_settings", FilterSettings(input.FilterSettingsJson), "::jsonb");
        if (input.Has("geojson"))
        {
            var polygon = GeoPolygon.Parse(input.GeoJson ?? throw DomainException.Invalid("geojson", "is required."));
            Set("geojson", polygon.Json, "::jsonb");
            Set("bounds", BoundsJson(polygon.Bounds), "::jsonb");
            Set("min_lat", (decimal)polygon.Bounds.MinLat);
            Set("min_lng", (decimal)polygon.Bounds.MinLng);
            Set("max_lat", (decimal)polygon.Bounds.MaxLat);
            Set("max_lng", (decimal)polygon.Bounds.MaxLng);
        }
        if (sets.Count > 0)
        {
            var updated = await db.Command($"UPDATE cuts SET {string.Join(", ", sets)}, updated_at = now() WHERE id = @id", parameters.ToArray())
                .ExecuteAsync();
            if (updated == 0) throw DomainException.NotFound("Cut");
        }
        return await Read() ?? throw DomainException.NotFound("Cut");
    }

    public async Task Delete()
    {
        if (await db.Command("DELETE FROM cuts WHERE id = @id", ("id", Id)).ExecuteAsync() == 0)
            throw DomainException.NotFound("Cut");
        DeactivateOnIdle();
    }

    public async Task StoreCompletion(CutCompletion completion)
    {
        if (completion.CompletionPercentage is < 0 or > 100) throw DomainException.Invalid("completionPercentage", "must be between 0 and 100.");
        await db.Command("""
            UPDATE cuts SET completion_percentage = @pct, last_canvassed = @last WHERE id = @id
            """, ("id", Id), ("pct", completion.CompletionPercentage), ("last", (object?)completion.LastCanvassed)).ExecuteAsync();
    }

    private static double? Opacity(double? value)
    {
        if (value is { } o && (!double.IsFinite(o) || o is < 0 or > 1)) throw DomainException.Invalid("opacity", "must be between 0 and 1.");
        return value is null ? null : Math.Round(value.Value, 2);
    }

    private static string? FilterSettings(string? json)
    {
        if (json is null) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                throw DomainException.Invalid("filterSettings", "must be a JSON object.");
            return document.RootElement.ValueKind == JsonValueKind.Null ? null : json;
        }
        catch (JsonException)
        {
            throw DomainException.Invalid("filterSettings", "must be a JSON object.");
        }
    }

    private static string BoundsJson(BoundingBox b) =>
        JsonSerializer.Serialize(new { minLat = b.MinLat, minLng = b.MinLng, maxLat = b.MaxLat, maxLng = b.MaxLng });

    private Task<Cut?> Read() =>
        db.Command($"SELECT {MapRows.CutColumns} FROM cuts c WHERE c.id = @id", ("id", Id)).FirstOrDefaultAsync(MapRows.ReadCut);
}

public sealed class MapSettingsGrain(NpgsqlDataSource db) : Grain, IMapSettingsGrain
{
    private const string Columns = """
        latitude::float8 AS latitude, longitude::float8 AS longitude, zoom, walk_sheet_title, walk_sheet_subtitle, walk_sheet_footer,
        qr_code1_url, qr_code1_label, qr_code2_url, qr_code2_label, qr_code3_url, qr_code3_label, updated_at
        """;

    public async Task<MapSettings> Get() =>
        await db.Command($"SELECT {Columns} FROM map_settings LIMIT 1").FirstOrDefaultAsync(Read) ?? MapSettings.Defaults;

    public async Task<MapSettings> Update(MapSettings s, Guid? userId)
    {
        MapRules.Coordinates(s.Latitude, s.Longitude);
        if (s.Zoom is < 0 or > 22) throw DomainException.Invalid("zoom", "must be between 0 and 22.");
        // The unique index on ((true)) makes this table hold at most one row: the upsert targets it.
        return (await db.Command($"""
            INSERT INTO map_settings AS m (id, latitude, longitude, zoom, walk_sheet_title, walk_sheet_subtitle, walk_sheet_footer,
                qr_code1_url, qr_code1_label, qr_code2_url, qr_code2_label, qr_code3_url, qr_code3_label, created_by)
            VALUES (@id, @lat, @lng, @zoom, @title, @subtitle, @footer, @q1, @l1, @q2, @l2, @q3, @l3, @user)
            ON CONFLICT ((true)) DO UPDATE SET latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude, zoom = EXCLUDED.zoom,
                walk_sheet_title = EXCLUDED.walk_sheet_title, walk_sheet_subtitle = EXCLUDED.walk_sheet_subtitle,
                walk_sheet_footer = EXCLUDED.walk_sheet_footer, qr_code1_url = EXCLUDED.qr_code1_url, qr_code1_label = EXCLUDED.qr_code1_label,
                qr_code2_url = EXCLUDED.qr_code2_url, qr_code2_label = EXCLUDED.qr_code2_label, qr_code3_url = EXCLUDED.qr_code3_url,
                qr_code3_label = EXCLUDED.qr_code3_label, updated_at = now()
            RETURNING {Columns}
            """,
            ("id", Ids.New()), ("lat", (decimal)Math.Round(s.Latitude, 8)), ("lng", (decimal)Math.Round(s.Longitude, 8)), ("zoom", s.Zoom),
            ("title", MapRules.Text("walkSheetTitle", s.WalkSheetTitle)), ("subtitle", MapRules.Text("walkSheetSubtitle", s.WalkSheetSubtitle)),
            ("footer", MapRules.Text("walkSheetFooter", s.WalkSheetFooter, MapRules.MaxNotes)),
            ("q1", Url("qrCode1Url", s.QrCode1Url)), ("l1", MapRules.Text("qrCode1Label", s.QrCode1Label, 200)),
            ("q2", Url("qrCode2Url", s.QrCode2Url)), ("l2", MapRules.Text("qrCode2Label", s.QrCode2Label, 200)),
            ("q3", Url("qrCode3Url", s.QrCode3Url)), ("l3", MapRules.Text("qrCode3Label", s.QrCode3Label, 200)),
            ("user", userId?.ToString())).FirstOrDefaultAsync(Read))!;
    }

    /// <summary>QR codes are printed for volunteers to scan: only web links make sense, and javascript: must never reach a page.</summary>
    private static string? Url(string field, string? value)
    {
        var text = MapRules.Text(field, value, 2000);
        if (text is null) return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw DomainException.Invalid(field, "must be an http or https URL.");
        return text;
    }

    private static MapSettings Read(NpgsqlDataReader r) => new(
        r.Get<double>("latitude"), r.Get<double>("longitude"), r.Get<int>("zoom"),
        r.GetOrNull<string>("walk_sheet_title"), r.GetOrNull<string>("walk_sheet_subtitle"), r.GetOrNull<string>("walk_sheet_footer"),
        r.GetOrNull<string>("qr_code1_url"), r.GetOrNull<string>("qr_code1_label"),
        r.GetOrNull<string>("qr_code2_url"), r.GetOrNull<string>("qr_code2_label"),
        r.GetOrNull<string>("qr_code3_url"), r.GetOrNull<string>("qr_code3_label"),
        r.Get<DateTime>("updated_at"));
}
