using System.Text.Json;
using System.Text.Json.Nodes;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Map;

/// <summary>
/// A cut's area: a GeoJSON Polygon or MultiPolygon (a Feature wrapping one is accepted too). Parsing
/// validates everything a point-in-polygon test relies on, and names the exact JSON path of the first
/// problem so an admin's drawing tool can point at it.
/// </summary>
public sealed class GeoPolygon
{
    // polygons[p][r] is ring r of polygon p (ring 0 the outer boundary, the rest holes); points are (lng, lat).
    private readonly double[][][] _polygons;

    private GeoPolygon(double[][][] polygons, string type, string normalizedJson)
    {
        _polygons = polygons;
        Type = type;
        Json = normalizedJson;
        double minLat = 90, minLng = 180, maxLat = -90, maxLng = -180;
        foreach (var polygon in polygons)
        {
            var outer = polygon[0];
            for (var i = 0; i < outer.Length; i += 2)
            {
                minLng = Math.Min(minLng, outer[i]);
                maxLng = Math.Max(maxLng, outer[i]);
                minLat = Math.Min(minLat, outer[i + 1]);
                maxLat = Math.Max(maxLat, outer[i + 1]);
            }
        }
        Bounds = new BoundingBox(minLng, minLat, maxLng, maxLat);
    }

    public string Type { get; }

    /// <summary>The geometry alone (a Feature's properties are dropped), as stored in cuts.geojson.</summary>
    public string Json { get; }

    public BoundingBox Bounds { get; }

    public static GeoPolygon Parse(string json, string field = "geojson")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            throw DomainException.Invalid(field, "must be a GeoJSON Polygon or MultiPolygon.");
        }
        if (root is not JsonObject geometry)
            throw DomainException.Invalid(field, "must be a GeoJSON Polygon or MultiPolygon object.");
        if (TypeOf(geometry) == "Feature")
        {
            if (geometry["geometry"] is not JsonObject inner)
                throw DomainException.Invalid($"{field}.geometry", "a Feature must carry a Polygon or MultiPolygon geometry.");
            geometry = inner;
            field += ".geometry";
        }

        var type = TypeOf(geometry);
        var coordinates = geometry["coordinates"] as JsonArray
            ?? throw DomainException.Invalid($"{field}.coordinates", "is required and must be an array.");
        double[][][] polygons = type switch
        {
            "Polygon" => [ParsePolygon(coordinates, $"{field}.coordinates")],
            "MultiPolygon" => ParseMulti(coordinates, $"{field}.coordinates"),
            _ => throw DomainException.Invalid($"{field}.type", "must be \"Polygon\" or \"MultiPolygon\"."),
        };
        var normalized = new JsonObject { ["type"] = type, ["coordinates"] = coordinates.DeepClone() };
        return new GeoPolygon(polygons, type, normalized.ToJsonString());
    }

    private static string? TypeOf(JsonObject node) =>
        node["type"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static double[][][] ParseMulti(JsonArray coordinates, string path)
    {
        if (coordinates.Count == 0) throw DomainException.Invalid(path, "a MultiPolygon needs at least one polygon.");
        var polygons = new double[coordinates.Count][][];
        for (var p = 0; p < coordinates.Count; p++)
            polygons[p] = coordinates[p] is JsonArray polygon
                ? ParsePolygon(polygon, $"{path}[{p}]")
                : throw DomainException.Invalid($"{path}[{p}]", "must be an array of linear rings.");
        return polygons;
    }

    private static double[][] ParsePolygon(JsonArray rings, string path)
    {
        if (rings.Count == 0) throw DomainException.Invalid(path, "a Polygon needs at least its outer ring.");
        var parsed = new double[rings.Count][];
        for (var r = 0; r < rings.Count; r++)
            parsed[r] = rings[r] is JsonArray ring
                ? ParseRing(ring, $"{path}[{r}]")
                : throw DomainException.Invalid($"{path}[{r}]", "must be an array of positions.");
        return parsed;
    }

    private static double[] ParseRing(JsonArray ring, string path)
    {
        if (ring.Count < 4)
            throw DomainException.Invalid(path, "a linear ring needs at least 4 positions (a triangle and its closing point).");
        var points = new double[ring.Count * 2];
        for (var i = 0; i < ring.Count; i++)
        {
            var at = $"{path}[{i}]";
            if (ring[i] is not JsonArray { Count: >= 2 } position)
                throw DomainException.Invalid(at, "a position must be [longitude, latitude].");
            var lng = Number(position[0], $"{at}[0]");
            var lat = Number(position[1], $"{at}[1]");
            if (lng is < -180 or > 180) throw DomainException.Invalid($"{at}[0]", "longitude must be between -180 and 180.");
            if (lat is < -90 or > 90) throw DomainException.Invalid($"{at}[1]", "latitude must be between -90 and 90.");
            points[i * 2] = lng;
            points[i * 2 + 1] = lat;
        }
        if (points[0] != points[^2] || points[1] != points[^1])
            throw DomainException.Invalid(path, "a linear ring must be closed: its last position must equal its first.");
        var distinct = new HashSet<(double, double)>();
        for (var i = 0; i < points.Length - 2; i += 2) distinct.Add((points[i], points[i + 1]));
        if (distinct.Count < 3) throw DomainException.Invalid(path, "a linear ring needs at least 3 distinct positions.");
        return points;
    }

    private static double Number(JsonNode? node, string path)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var number) &&
            double.IsFinite(number))
            return number;
        throw DomainException.Invalid(path, "must be a number.");
    }

    /// <summary>Even-odd ray casting over every ring: a point in a hole is outside, a point on an island in a hole is inside.</summary>
    public bool Contains(double latitude, double longitude)
    {
        if (!Bounds.Contains(latitude, longitude)) return false;
        foreach (var polygon in _polygons)
        {
            var inside = false;
            foreach (var ring in polygon)
                if (RingContains(ring, longitude, latitude)) inside = !inside;
            if (inside) return true;
        }
        return false;
    }

    /// <summary>
    /// How far a position is outside the area, in metres (0 inside): the distance to the nearest edge of any ring, on a
    /// local flat projection around the position (exact to well under a metre at the few hundred metres that matter).
    /// </summary>
    public double MetersOutside(double latitude, double longitude)
    {
        if (Contains(latitude, longitude)) return 0;
        const double metersPerDegreeLat = EarthRadiusMeters * Math.PI / 180;
        var metersPerDegreeLng = metersPerDegreeLat * Math.Cos(latitude * Math.PI / 180);
        var best = double.MaxValue;
        foreach (var polygon in _polygons)
            foreach (var ring in polygon)
                for (var i = 0; i + 3 < ring.Length; i += 2)
                {
                    // Segment (ring[i], ring[i+1]) → (ring[i+2], ring[i+3]) as (lng, lat), in metres from the position.
                    var ax = (ring[i] - longitude) * metersPerDegreeLng;
                    var ay = (ring[i + 1] - latitude) * metersPerDegreeLat;
                    var dx = (ring[i + 2] - longitude) * metersPerDegreeLng - ax;
                    var dy = (ring[i + 3] - latitude) * metersPerDegreeLat - ay;
                    var lengthSquared = dx * dx + dy * dy;
                    var t = lengthSquared == 0 ? 0 : Math.Clamp(-(ax * dx + ay * dy) / lengthSquared, 0, 1);
                    var px = ax + t * dx;
                    var py = ay + t * dy;
                    best = Math.Min(best, px * px + py * py);
                }
        return best == double.MaxValue ? 0 : Math.Sqrt(best);
    }

    // The mean Earth radius of the great-circle distances (Haversine), so both agree at the metre.
    private const double EarthRadiusMeters = 6_371_008.8;

    private static bool RingContains(double[] ring, double x, double y)
    {
        var inside = false;
        var count = ring.Length / 2;
        for (int i = 0, j = count - 1; i < count; j = i++)
        {
            double xi = ring[i * 2], yi = ring[i * 2 + 1], xj = ring[j * 2], yj = ring[j * 2 + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
                inside = !inside;
        }
        return inside;
    }
}
