using System.Text.Json;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Media;
using ChangemakerLite.Grains.Platform;
using Npgsql;

namespace ChangemakerLite.Grains.Map;

/// <summary>Column lists and row readers of the map tables, shared by the grains and the query grain.</summary>
public static class MapRows
{
    public const string LocationColumns = """
        l.id, l.latitude::float8 AS latitude, l.longitude::float8 AS longitude, l.address, l.postal_code, l.province,
        l.federal_district, l.building_use, l.loc_guid, l.building_type, l.total_units, l.building_notes,
        l.geocode_confidence, l.geocode_provider, l.created_by_user_id, l.updated_by_user_id, l.created_at, l.updated_at
        """;

    public static Location ReadLocation(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<double>("latitude"),
        r.Get<double>("longitude"),
        r.GetOrNull<string>("address"),
        r.GetOrNull<string>("postal_code"),
        r.GetOrNull<string>("province"),
        r.GetOrNull<string>("federal_district"),
        r.GetValueOrNull<int>("building_use"),
        r.GetOrNull<string>("loc_guid"),
        r.GetValueOrNull<BuildingType>("building_type"),
        r.GetValueOrNull<int>("total_units"),
        r.GetOrNull<string>("building_notes"),
        r.GetValueOrNull<int>("geocode_confidence"),
        r.GetValueOrNull<GeocodeProvider>("geocode_provider"),
        r.GetValueOrNull<Guid>("created_by_user_id"),
        r.GetValueOrNull<Guid>("updated_by_user_id"),
        r.Get<DateTime>("created_at"),
        r.Get<DateTime>("updated_at"));

    public const string AddressColumns = """
        a.id, a.location_id, a.unit_number, a.addr_guid, a.first_name, a.last_name, a.email, a.phone, a.support_level,
        a.sign, a.sign_size, a.notes, a.created_at, a.updated_at
        """;

    public static Address ReadAddress(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<Guid>("location_id"),
        r.GetOrNull<string>("unit_number"),
        r.GetOrNull<string>("addr_guid"),
        r.GetOrNull<string>("first_name"),
        r.GetOrNull<string>("last_name"),
        r.GetOrNull<string>("email"),
        r.GetOrNull<string>("phone"),
        r.GetValueOrNull<SupportLevel>("support_level"),
        r.Get<bool>("sign"),
        r.GetOrNull<string>("sign_size"),
        r.GetOrNull<string>("notes"),
        r.Get<DateTime>("created_at"),
        r.Get<DateTime>("updated_at"));

    public const string CutColumns = """
        c.id, c.name, c.description, c.color, c.opacity::float8 AS opacity, c.category, c.is_public, c.is_official,
        c.geojson::text AS geojson, c.min_lat::float8 AS min_lat, c.min_lng::float8 AS min_lng, c.max_lat::float8 AS max_lat,
        c.max_lng::float8 AS max_lng, c.show_locations, c.export_enabled, c.assigned_to, c.filter_settings::text AS filter_settings,
        c.last_canvassed, c.completion_percentage, c.created_by_user_id, c.created_at, c.updated_at
        """;

    public static Cut ReadCut(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<string>("name"),
        r.GetOrNull<string>("description"),
        r.Get<string>("color"),
        r.Get<double>("opacity"),
        r.Get<CutCategory>("category"),
        r.Get<bool>("is_public"),
        r.Get<bool>("is_official"),
        r.Get<string>("geojson"),
        new BoundingBox(
            r.GetValueOrNull<double>("min_lng") ?? -180, r.GetValueOrNull<double>("min_lat") ?? -90,
            r.GetValueOrNull<double>("max_lng") ?? 180, r.GetValueOrNull<double>("max_lat") ?? 90),
        r.Get<bool>("show_locations"),
        r.Get<bool>("export_enabled"),
        r.GetOrNull<string>("assigned_to"),
        r.GetOrNull<string>("filter_settings"),
        r.GetValueOrNull<DateTime>("last_canvassed"),
        r.Get<int>("completion_percentage"),
        r.GetValueOrNull<Guid>("created_by_user_id"),
        r.Get<DateTime>("created_at"),
        r.Get<DateTime>("updated_at"));

    public const string HistoryColumns = "h.id, h.location_id, h.user_id, h.action, h.field, h.old_value, h.new_value, h.metadata::text AS metadata, h.created_at";

    public static LocationHistoryEntry ReadHistory(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<Guid>("location_id"),
        r.GetValueOrNull<Guid>("user_id"),
        r.Get<LocationHistoryAction>("action"),
        r.GetOrNull<string>("field"),
        r.GetOrNull<string>("old_value"),
        r.GetOrNull<string>("new_value"),
        r.GetOrNull<string>("metadata"),
        r.Get<DateTime>("created_at"));

    public const string JobColumns = """
        j.id, j.type, j.status, j.processed, j.total, j.progress, j.errors::text AS errors, j.result::text AS result, j.error,
        j.created_by_user_id, j.created_at, j.started_at, j.completed_at
        """;

    public static MapJob ReadJob(NpgsqlDataReader r) => new(
        r.Get<Guid>("id"),
        r.Get<string>("type"),
        r.Get<JobStatus>("status"),
        r.Get<long>("processed"),
        r.GetValueOrNull<long>("total"),
        r.Get<int>("progress"),
        JsonSerializer.Deserialize<List<JobError>>(r.Get<string>("errors"), JobJson) ?? [],
        r.GetOrNull<string>("result"),
        r.GetOrNull<string>("error"),
        r.GetValueOrNull<Guid>("created_by_user_id"),
        r.Get<DateTime>("created_at"),
        r.GetValueOrNull<DateTime>("started_at"),
        r.GetValueOrNull<DateTime>("completed_at"));

    public static readonly JsonSerializerOptions JobJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new Interfaces.Platform.WireNameEnumConverterFactory() },
    };

    /// <summary>Writes one history row inside the caller's transaction.</summary>
    public static NpgsqlCommand HistoryInsert(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid locationId, Guid? userId,
        LocationHistoryAction action, string? field, string? oldValue, string? newValue, object? metadata) =>
        connection.Command("""
            INSERT INTO location_history (id, location_id, user_id, action, field, old_value, new_value, metadata)
            VALUES (@id, @location, (SELECT id FROM users WHERE id = @user), @action, @field, @old, @new, @metadata::jsonb)
            """, transaction,
            ("id", Interfaces.Platform.Ids.New()), ("location", locationId), ("user", userId), ("action", action),
            ("field", field), ("old", oldValue), ("new", newValue),
            ("metadata", metadata is null ? null : JsonSerializer.Serialize(metadata, JobJson)));
}
